import { TransformError } from '../errors.js';
import { canConvert } from '../units.js';
import type { Catalog, DeviceRule, DeviceTypeSpec, FieldSpec, Location, ThresholdSpec } from './types.js';

/** The type name given to devices that match no rule; a catalog may not define it. */
export const UNKNOWN_TYPE = 'unknown';

/**
 * Checks that `value` is a well-formed {@link Catalog} and returns it typed. Every problem found is listed in one
 * `TG_ERR_CATALOG` error (with JSON-path-like locations), so a broken catalog is fixed in one pass, not one per run.
 */
export function parseCatalog(value: unknown, source = 'catalog'): Catalog {
  const problems: string[] = [];
  const at = (path: string, msg: string): void => void problems.push(`${path}: ${msg}`);

  if (!isRecord(value)) {
    throw new TransformError('TG_ERR_CATALOG', `${source} is not a JSON object`, { detail: { source } });
  }
  if (!isRecord(value.types)) at('types', 'must be an object of device types');
  else for (const [name, spec] of Object.entries(value.types)) checkType(`types.${name}`, name, spec, at);
  if (!Array.isArray(value.devices)) at('devices', 'must be an array of device rules');
  else {
    const typeNames = isRecord(value.types) ? new Set(Object.keys(value.types)) : new Set<string>();
    const seen = new Set<string>();
    value.devices.forEach((rule: unknown, i: number) => checkRule(`devices[${i}]`, rule, typeNames, seen, at));
  }
  if (problems.length > 0) {
    throw new TransformError('TG_ERR_CATALOG', `${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
      detail: { source, problems },
    });
  }
  return value as unknown as Catalog;
}

type Report = (path: string, msg: string) => void;

function checkType(path: string, name: string, spec: unknown, at: Report): void {
  if (name === UNKNOWN_TYPE) at(path, `"${UNKNOWN_TYPE}" is reserved for devices that match no rule`);
  if (!isRecord(spec)) return at(path, 'must be an object');
  const s = spec as Partial<Record<keyof DeviceTypeSpec, unknown>>;
  if (s.description !== undefined && typeof s.description !== 'string') at(`${path}.description`, 'must be a string');
  if (s.drop !== undefined && typeof s.drop !== 'boolean') at(`${path}.drop`, 'must be true or false');
  if (!isRecord(s.fields)) return at(`${path}.fields`, 'must be an object of field specs');
  for (const [field, f] of Object.entries(s.fields)) checkField(`${path}.fields.${field}`, field, f, at);
  if (s.thresholds === undefined) return;
  if (!isRecord(s.thresholds)) return at(`${path}.thresholds`, 'must be an object');
  for (const [field, t] of Object.entries(s.thresholds)) {
    const tPath = `${path}.thresholds.${field}`;
    if (!Object.hasOwn(s.fields, field)) at(tPath, `"${field}" is not one of this type's fields`);
    checkThreshold(tPath, t, at);
  }
}

function checkField(path: string, name: string, f: unknown, at: Report): void {
  // Field names index parsed readings; a name inherited from Object.prototype would read the prototype's value.
  if (name in Object.prototype) at(path, `"${name}" cannot be used as a field name`);
  if (!isRecord(f)) return at(path, 'must be an object');
  const s = f as Partial<Record<keyof FieldSpec, unknown>>;
  if (!isNonEmptyString(s.unit)) at(`${path}.unit`, 'must be a non-empty string');
  if (!isFiniteNumber(s.min)) at(`${path}.min`, 'must be a finite number');
  if (!isFiniteNumber(s.max)) at(`${path}.max`, 'must be a finite number');
  if (isFiniteNumber(s.min) && isFiniteNumber(s.max) && s.min > s.max) at(path, `min ${s.min} is above max ${s.max}`);
  if (s.normaliseTo !== undefined) {
    if (!isNonEmptyString(s.normaliseTo)) at(`${path}.normaliseTo`, 'must be a non-empty string');
    else if (isNonEmptyString(s.unit) && !canConvert(s.unit, s.normaliseTo)) {
      at(`${path}.normaliseTo`, `no conversion from "${s.unit}" to "${s.normaliseTo}"`);
    }
  }
}

function checkThreshold(path: string, t: unknown, at: Report): void {
  if (!isRecord(t)) return at(path, 'must be an object with low and/or high');
  const s = t as Partial<Record<keyof ThresholdSpec, unknown>>;
  if (s.low === undefined && s.high === undefined) at(path, 'needs low and/or high');
  if (s.low !== undefined && !isFiniteNumber(s.low)) at(`${path}.low`, 'must be a finite number');
  if (s.high !== undefined && !isFiniteNumber(s.high)) at(`${path}.high`, 'must be a finite number');
  if (isFiniteNumber(s.low) && isFiniteNumber(s.high) && s.low > s.high) at(path, `low ${s.low} is above high ${s.high}`);
}

function checkRule(path: string, rule: unknown, typeNames: Set<string>, seen: Set<string>, at: Report): void {
  if (!isRecord(rule)) return at(path, 'must be an object');
  const r = rule as Partial<Record<keyof DeviceRule, unknown>>;
  const hasId = r.id !== undefined;
  const hasPrefix = r.prefix !== undefined;
  if (hasId === hasPrefix) at(path, 'needs exactly one of "id" and "prefix"');
  for (const key of ['id', 'prefix'] as const) {
    const v = r[key];
    if (v === undefined) continue;
    if (!isNonEmptyString(v)) at(`${path}.${key}`, 'must be a non-empty string');
    else if (seen.has(`${key}:${v}`)) at(`${path}.${key}`, `duplicate ${key} "${v}"`);
    else seen.add(`${key}:${v}`);
  }
  if (!isNonEmptyString(r.type)) at(`${path}.type`, 'must be a non-empty string');
  else if (!typeNames.has(r.type)) at(`${path}.type`, `"${r.type}" is not defined in types`);
  if (!isNonEmptyString(r.site)) at(`${path}.site`, 'must be a non-empty string');
  checkLocation(`${path}.location`, r.location, at);
}

function checkLocation(path: string, loc: unknown, at: Report): void {
  if (!isRecord(loc)) return at(path, 'must be an object with lat and lon');
  const s = loc as Partial<Record<keyof Location, unknown>>;
  if (!isFiniteNumber(s.lat) || s.lat < -90 || s.lat > 90) at(`${path}.lat`, 'must be a number in [-90, 90]');
  if (!isFiniteNumber(s.lon) || s.lon < -180 || s.lon > 180) at(`${path}.lon`, 'must be a number in [-180, 180]');
  if (s.label !== undefined && typeof s.label !== 'string') at(`${path}.label`, 'must be a string');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
