import type { DeviceInfo } from './catalog/compile.js';
import { dewPointC } from './derived.js';
import type { Envelope } from './envelope.js';
import type { OutputRecord } from './output.js';
import { Rejection } from './rejection.js';

/** Shared by every record without anomalies (most of them); the serializer only reads it. */
const NO_ANOMALIES: string[] = Object.freeze([]) as unknown as string[];

/**
 * Validates the reading against the device's type and builds the delivered record. The reading object is the one
 * just parsed from this record, so converting fields in place is safe and keeps the device's key order.
 */
export function enrich(env: Envelope, device: DeviceInfo, processedAt: string): OutputRecord | Rejection {
  const reading = env.reading;
  const bad = findNonJsonValue(reading);
  if (bad !== undefined) return new Rejection('invalid_reading', `reading.${bad} is not a finite number`);

  const type = device.type;
  let present = 0;
  let original: Record<string, { value: number; unit: string }> | undefined;
  let anomalies = NO_ANOMALIES;
  for (const f of type.fields) {
    const v = reading[f.name];
    if (v === undefined) continue;
    if (typeof v !== 'number') return new Rejection('invalid_reading', `reading.${f.name} must be a number (${f.unit})`);
    if (v < f.min || v > f.max) {
      return new Rejection('out_of_range', `reading.${f.name} ${v} ${f.unit} is outside [${f.min}, ${f.max}]`);
    }
    let out = v;
    if (f.convert !== undefined) {
      out = f.convert(v);
      reading[f.name] = out;
      (original ??= {})[f.name] = { value: v, unit: f.unit };
    }
    present++;
    if (f.low !== undefined && out < f.low) anomalies = withFlag(anomalies, f.lowFlag);
    else if (f.high !== undefined && out > f.high) anomalies = withFlag(anomalies, f.highFlag);
  }
  // The usual case, every known field present, shares the type's precomputed units object.
  const units = present === type.fields.length ? type.units : partialUnits(type.fields, reading);

  let derived: OutputRecord['derived'] = NO_DERIVED;
  if (type.dewPoint) {
    // Validated as numbers above when present; `dewPoint` is only set for types delivering °C and %.
    const t = reading.temperature;
    const rh = reading.humidity;
    if (typeof t === 'number' && typeof rh === 'number') {
      const dp = dewPointC(t, rh);
      if (dp !== undefined) derived = { dewPoint: dp };
    }
  }

  const record: OutputRecord = {
    deviceId: env.deviceId,
    epoch: env.epoch,
    seq: env.seq,
    receivedAt: env.receivedAt,
    processedAt,
    deviceType: type.name,
    site: device.site,
    location: device.location,
    reading,
    units,
    derived,
    anomalies,
    original,
  };
  return record;
}

const NO_DERIVED: OutputRecord['derived'] = Object.freeze({});

function withFlag(anomalies: string[], flag: string): string[] {
  return anomalies === NO_ANOMALIES ? [flag] : (anomalies.push(flag), anomalies);
}

/** Units of the known fields actually present, for readings that omit some. */
function partialUnits(fields: DeviceInfo['type']['fields'], reading: Record<string, unknown>): Record<string, string> {
  const units: Record<string, string> = {};
  for (const f of fields) if (reading[f.name] !== undefined) units[f.name] = f.outUnit;
  return units;
}

/**
 * JSON.parse turns number literals too large for a double (1e400) into Infinity, which JSON cannot represent and
 * JSON.stringify would silently write as null. Returns the path of the first such value, or undefined.
 */
function findNonJsonValue(value: object, path = ''): string | undefined {
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return path + key;
    } else if (typeof v === 'object' && v !== null) {
      const inner = findNonJsonValue(v, `${path}${key}.`);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}
