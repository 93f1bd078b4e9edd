/**
 * What one device emits on each tick: a reading (payload `{"ts", "n", ...fields}`), a lost reading (dropout) or a
 * bad payload. Pure and deterministic: the same seed, device id and tick times give the same emissions.
 * The model, the anomalies and the bad payloads draw from separate random streams, so raising the anomaly or
 * bad-payload rate does not change the underlying sensor signal.
 */
import { ANOMALY_KINDS, createAnomalyInjector, type AnomalyKind, type FieldRange } from './anomalies.js';
import { BAD_PAYLOAD_KINDS, badPayload, type BadPayloadKind } from './bad-payloads.js';
import type { CatalogType } from './catalog.js';
import { decimalsFor } from './models/units.js';
import { fieldKind } from './models/fields.js';
import { createSensorModel } from './models/sensor-model.js';
import { createRng } from './prng.js';

export interface ReadingSourceOptions {
  deviceId: string;
  /** Another device of the fleet, whose topic wrong-topic payloads go to. */
  neighbourId: string;
  type: CatalogType;
  seed: string | number;
  /** Probability per reading that an anomaly starts, 0..1. */
  anomalyRate: number;
  anomalyKinds?: readonly AnomalyKind[];
  /** Probability per tick that a bad payload replaces the reading, 0..1. */
  badPayloadRate: number;
  badPayloadKinds?: readonly BadPayloadKind[];
  /** Size of an oversize payload, bytes. */
  oversizeBytes: number;
  home?: { lat: number; lon: number };
}

export type Emission =
  | { kind: 'reading'; topic: string; payload: string; n: number; ts: number; anomaly: AnomalyKind | undefined }
  | { kind: 'skip'; n: number; anomaly: AnomalyKind | undefined }
  | { kind: 'bad'; badKind: BadPayloadKind; topic: string; payload: string };

export interface ReadingSource {
  readonly topic: string;
  /** The emission of the tick at true time `nowMs`. */
  next(nowMs: number): Emission;
}

export function telemetryTopic(deviceId: string): string {
  return `devices/${deviceId}/telemetry`;
}

export function createReadingSource(o: ReadingSourceOptions): ReadingSource {
  const topic = telemetryTopic(o.deviceId);
  const wrongTopic = telemetryTopic(o.neighbourId);
  const model = createSensorModel(o.type, createRng(o.seed, o.deviceId, 'model'), o.home === undefined ? {} : { home: o.home });
  const ranges: Record<string, FieldRange> = {};
  for (const [name, f] of Object.entries(o.type.fields)) {
    const kind = fieldKind(name);
    ranges[name] = { min: f.min, max: f.max, decimals: decimalsFor(kind, f.unit, f.max - f.min), position: kind === 'lat' || kind === 'lon' };
  }
  const anomalies = createAnomalyInjector(createRng(o.seed, o.deviceId, 'anomaly'), o.anomalyRate, ranges, o.anomalyKinds ?? ANOMALY_KINDS);
  const badRng = createRng(o.seed, o.deviceId, 'bad');
  const badKinds = o.badPayloadKinds ?? BAD_PAYLOAD_KINDS;
  let n = 0;
  let lastReading: string | undefined;

  return {
    topic,
    next(nowMs) {
      // The model advances on every tick, so its values at a given time do not depend on the injection rates.
      const values = model.sample(nowMs);
      if (badKinds.length > 0 && badRng.chance(o.badPayloadRate)) {
        const badKind = badRng.pick(badKinds);
        const reading = lastReading ?? JSON.stringify({ ts: nowMs, n: 0, ...values });
        if (badKind === 'wrong-topic') return { kind: 'bad', badKind, topic: wrongTopic, payload: reading };
        return { kind: 'bad', badKind, topic, payload: badPayload(badKind, badRng, reading, o.oversizeBytes) };
      }
      n++;
      const outcome = anomalies.apply(values);
      if (outcome.skip) return { kind: 'skip', n, anomaly: outcome.started };
      const ts = nowMs + outcome.clockOffsetMs;
      const payload = JSON.stringify({ ts, n, ...values });
      lastReading = payload;
      return { kind: 'reading', topic, payload, n, ts, anomaly: outcome.started };
    },
  };
}
