import { converterFor } from '../units.js';
import type { Converter } from '../units.js';
import type { Catalog, Location } from './types.js';
import { UNKNOWN_TYPE, parseCatalog } from './validate.js';

/** A catalog field prepared for the per-record loop: everything looked up once, nothing per record. */
export interface CompiledField {
  readonly name: string;
  /** Unit the device reports in; `min`/`max` are in this unit. */
  readonly unit: string;
  /** Unit of the delivered value (`normaliseTo`, else `unit`). Thresholds are in this unit. */
  readonly outUnit: string;
  readonly min: number;
  readonly max: number;
  /** Present only when `outUnit` differs from `unit`. */
  readonly convert: Converter | undefined;
  readonly low: number | undefined;
  readonly high: number | undefined;
  readonly lowFlag: string;
  readonly highFlag: string;
}

export interface CompiledType {
  readonly name: string;
  readonly drop: boolean;
  readonly fields: readonly CompiledField[];
  /** `outUnit` of every field, shared by the records that carry all of them (read-only). */
  readonly units: Record<string, string>;
  /** The type has `temperature` delivered in °C and `humidity` in %, so a dew point can be derived. */
  readonly dewPoint: boolean;
}

export interface DeviceInfo {
  readonly type: CompiledType;
  /** Null for devices that match no catalog rule. */
  readonly site: string | null;
  readonly location: Location | null;
}

export interface DeviceDirectory {
  /** Type, site and location for a device id: exact `id` rule, else longest matching `prefix`, else `unknown`. */
  resolve(deviceId: string): DeviceInfo;
}

/** Fleets are large but finite; the cap only bounds memory if device ids are unbounded (e.g. random test ids). */
const RESOLVE_CACHE_LIMIT = 100_000;

export const UNKNOWN_DEVICE_TYPE: CompiledType = Object.freeze({ name: UNKNOWN_TYPE, drop: false, fields: [], units: Object.freeze({}), dewPoint: false });
const UNKNOWN_DEVICE: DeviceInfo = Object.freeze({ type: UNKNOWN_DEVICE_TYPE, site: null, location: null });

/** Validates (see {@link parseCatalog}) and compiles a catalog into a {@link DeviceDirectory}. */
export function compileCatalog(input: unknown): DeviceDirectory {
  const catalog: Catalog = parseCatalog(input);
  const types = new Map<string, CompiledType>();
  for (const [name, spec] of Object.entries(catalog.types)) {
    const fields = Object.entries(spec.fields).map(([field, f]): CompiledField => {
      const outUnit = f.normaliseTo ?? f.unit;
      const t = spec.thresholds?.[field];
      return {
        name: field,
        unit: f.unit,
        outUnit,
        min: f.min,
        max: f.max,
        convert: outUnit === f.unit ? undefined : converterFor(f.unit, outUnit),
        low: t?.low,
        high: t?.high,
        lowFlag: `${field}_low`,
        highFlag: `${field}_high`,
      };
    });
    const unitOf = (field: string): string | undefined => fields.find((f) => f.name === field)?.outUnit;
    const dewPoint = unitOf('temperature') === 'C' && unitOf('humidity') === '%';
    const units = Object.freeze(Object.fromEntries(fields.map((f) => [f.name, f.outUnit])));
    types.set(name, Object.freeze({ name, drop: spec.drop ?? false, fields: Object.freeze(fields), units, dewPoint }));
  }

  const info = (rule: Catalog['devices'][number]): DeviceInfo => {
    // parseCatalog guarantees the type exists.
    const type = types.get(rule.type) as CompiledType;
    const { lat, lon, label } = rule.location;
    return Object.freeze({ type, site: rule.site, location: Object.freeze(label === undefined ? { lat, lon } : { lat, lon, label }) });
  };
  const byId = new Map<string, DeviceInfo>();
  const byPrefix: Array<{ prefix: string; device: DeviceInfo }> = [];
  for (const rule of catalog.devices) {
    if (rule.id !== undefined) byId.set(rule.id, info(rule));
    else if (rule.prefix !== undefined) byPrefix.push({ prefix: rule.prefix, device: info(rule) });
  }
  // Longest first, so the first match is the most specific (sim-env-sensor-imperial- before sim-env-sensor-).
  byPrefix.sort((a, b) => b.prefix.length - a.prefix.length);

  const cache = new Map<string, DeviceInfo>();
  const lookup = (deviceId: string): DeviceInfo => {
    const exact = byId.get(deviceId);
    if (exact !== undefined) return exact;
    for (const p of byPrefix) if (deviceId.startsWith(p.prefix)) return p.device;
    return UNKNOWN_DEVICE;
  };
  return {
    resolve(deviceId) {
      let device = cache.get(deviceId);
      if (device === undefined) {
        device = lookup(deviceId);
        if (cache.size >= RESOLVE_CACHE_LIMIT) cache.clear();
        cache.set(deviceId, device);
      }
      return device;
    },
  };
}
