/**
 * The device catalog (`transforms/catalog.json`, owned by the transform): which device types exist, their fields
 * with unit and physical range, and which device ids belong to which type. The simulator only reads the parts it
 * needs and checks them, so a catalog edit that breaks the schema fails here with the field named.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimError } from './errors.js';

export interface CatalogField {
  unit: string;
  min: number;
  max: number;
  normaliseTo?: string;
}

export interface CatalogType {
  description: string;
  /** Readings of a dropped type are acknowledged but discarded before delivery. */
  drop: boolean;
  /** In catalog order; the simulator emits fields in this order. */
  fields: Readonly<Record<string, CatalogField>>;
}

export interface CatalogLocation {
  lat: number;
  lon: number;
}

/** A rule that assigns device ids to a type: by prefix, or one exact id. */
export interface CatalogDeviceRule {
  prefix?: string;
  id?: string;
  type: string;
  location?: CatalogLocation;
}

export interface Catalog {
  types: Readonly<Record<string, CatalogType>>;
  devices: readonly CatalogDeviceRule[];
}

/** `transforms/catalog.json` under the repository root, found from this module's location (source or dist/). */
export function defaultCatalogPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'transforms', 'catalog.json');
    const parent = dirname(dir);
    if (parent === dir) return resolve('transforms', 'catalog.json');
    dir = parent;
  }
}

export function loadCatalog(path: string = defaultCatalogPath()): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SimError('SIM_ERR_CATALOG', `cannot read the device catalog ${path} (--catalog)`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SimError('SIM_ERR_CATALOG', `device catalog ${path} is not valid JSON`, { cause });
  }
  return parseCatalog(json, path);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Validates a parsed catalog; `source` names it in error messages. Separate from the transform's validator
 * (`transforms/lambda/catalog/validate.ts`, a JSON Schema): the two accept different catalogs. This one needs no
 * device rules, sites or locations, but needs min < max and at least one field per type (it draws readings
 * from those ranges); sharing one would change what one of them accepts.
 */
export function parseCatalog(json: unknown, source = 'catalog'): Catalog {
  const fail = (where: string, what: string): never => {
    throw new SimError('SIM_ERR_CATALOG', `${source}: ${where} ${what}`);
  };
  if (!isObject(json) || !isObject(json['types'])) return fail('"types"', 'must be an object');
  const types: Record<string, CatalogType> = {};
  for (const [name, raw] of Object.entries(json['types'])) {
    if (!isObject(raw) || !isObject(raw['fields'])) return fail(`types.${name}.fields`, 'must be an object');
    const fields: Record<string, CatalogField> = {};
    for (const [fieldName, f] of Object.entries(raw['fields'])) {
      const where = `types.${name}.fields.${fieldName}`;
      if (!isObject(f)) return fail(where, 'must be an object');
      const { unit, min, max, normaliseTo } = f;
      if (typeof unit !== 'string') return fail(`${where}.unit`, 'must be a string');
      if (!isFiniteNumber(min) || !isFiniteNumber(max) || !(min < max)) return fail(where, 'needs numbers min < max');
      fields[fieldName] = { unit, min, max, ...(typeof normaliseTo === 'string' ? { normaliseTo } : {}) };
    }
    if (Object.keys(fields).length === 0) return fail(`types.${name}.fields`, 'must name at least one field');
    types[name] = {
      description: typeof raw['description'] === 'string' ? raw['description'] : '',
      drop: raw['drop'] === true,
      fields,
    };
  }
  if (Object.keys(types).length === 0) return fail('"types"', 'must define at least one device type');

  const devices: CatalogDeviceRule[] = [];
  const rawDevices = json['devices'] ?? [];
  if (!Array.isArray(rawDevices)) return fail('"devices"', 'must be an array');
  rawDevices.forEach((d: unknown, i) => {
    if (!isObject(d) || typeof d['type'] !== 'string') return fail(`devices[${i}]`, 'needs a "type"');
    const loc = d['location'];
    devices.push({
      type: d['type'],
      ...(typeof d['prefix'] === 'string' ? { prefix: d['prefix'] } : {}),
      ...(typeof d['id'] === 'string' ? { id: d['id'] } : {}),
      ...(isObject(loc) && isFiniteNumber(loc['lat']) && isFiniteNumber(loc['lon'])
        ? { location: { lat: loc['lat'], lon: loc['lon'] } }
        : {}),
    });
  });
  return { types, devices };
}

/** The rule that claims `deviceId`: an exact id wins, then the longest matching prefix (as the transform does). */
export function ruleForDevice(catalog: Catalog, deviceId: string): CatalogDeviceRule | undefined {
  const exact = catalog.devices.find((d) => d.id === deviceId);
  if (exact !== undefined) return exact;
  let best: CatalogDeviceRule | undefined;
  for (const d of catalog.devices) {
    if (d.prefix !== undefined && deviceId.startsWith(d.prefix) && d.prefix.length > (best?.prefix?.length ?? -1)) best = d;
  }
  return best;
}

/** The types a fleet simulates when no profile is given: every type that is delivered. */
export function defaultProfile(catalog: Catalog): string[] {
  return Object.entries(catalog.types)
    .filter(([, t]) => !t.drop)
    .map(([name]) => name);
}
