/**
 * A device's sensor model: its catalog type's fields, each with its physics, sharing one sample context so that
 * humidity follows temperature and a running machine both vibrates and warms. Deterministic: the same rng stream
 * and the same sample times give the same values.
 */
import type { CatalogType } from '../catalog.js';
import type { Rng } from '../prng.js';
import { createFieldModel, fieldKind, type FieldKind, type FieldModel } from './fields.js';
import { speedFactor } from './units.js';
import { createDutyCycle, createMotion, type DutyCycle, type Motion, type SampleContext } from './processes.js';

export interface SensorModelOptions {
  /** The site's location from the catalog; trackers start near it and it sets the local time of day. */
  home?: { lat: number; lon: number };
}

export interface SensorModel {
  /** Field names in catalog order, which is also the payload order. */
  readonly fields: readonly string[];
  /** Values of all fields at true time `tsMs` (ms since the epoch). Times should not go backwards. */
  sample(tsMs: number): Record<string, number>;
}

/** Fields that others read from the context are computed first. */
const EVALUATION_ORDER: readonly FieldKind[] = ['lat', 'lon', 'speed', 'temperature', 'humidity', 'vibration', 'battery', 'generic'];

export function createSensorModel(type: CatalogType, rng: Rng, options: SensorModelOptions = {}): SensorModel {
  const names = Object.keys(type.fields);
  const kinds = new Set(names.map(fieldKind));
  const spec = (kind: FieldKind) => {
    const name = names.find((n) => fieldKind(n) === kind);
    return name === undefined ? undefined : type.fields[name];
  };
  let motion: Motion | undefined;
  if (kinds.has('lat') || kinds.has('lon') || kinds.has('speed')) {
    const lat = spec('lat');
    const lon = spec('lon');
    const speed = spec('speed');
    motion = createMotion(
      rng,
      {
        latMin: lat?.min ?? -90,
        latMax: lat?.max ?? 90,
        lonMin: lon?.min ?? -180,
        lonMax: lon?.max ?? 180,
        // The catalog's maximum is in the field's unit; motion runs in m/s.
        speedMax: speed === undefined ? 40 : Math.max(1, speed.max / speedFactor(speed.unit)),
      },
      options.home,
    );
  }
  const duty: DutyCycle | undefined = kinds.has('vibration') ? createDutyCycle(rng) : undefined;
  const models: FieldModel[] = names.map((name) => createFieldModel(name, type.fields[name]!, rng, motion));
  const order = [...models].sort((a, b) => EVALUATION_ORDER.indexOf(a.kind) - EVALUATION_ORDER.indexOf(b.kind));
  const homeLon = options.home?.lon ?? rng.uniform(-180, 180);
  let lastTs: number | undefined;

  return {
    fields: names,
    sample(tsMs) {
      const dt = lastTs === undefined ? 0 : Math.max(0, (tsMs - lastTs) / 1000);
      lastTs = tsMs;
      const ctx: SampleContext = { ts: tsMs, dt, load: 0, lonDeg: homeLon, tempAnomalyC: 0 };
      duty?.step(ctx);
      motion?.step(ctx);
      const values = new Map<string, number>();
      for (const m of order) values.set(m.name, m.sample(ctx));
      const out: Record<string, number> = {};
      for (const name of names) out[name] = values.get(name) as number;
      return out;
    },
  };
}
