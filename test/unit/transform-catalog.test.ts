import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { compileCatalog } from '../../transforms/lambda/catalog/compile.js';
import { loadCatalogFile } from '../../transforms/lambda/catalog/load.js';
import type { Catalog } from '../../transforms/lambda/catalog/types.js';
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import { isTransformError } from '../../transforms/lambda/errors.js';

const clone = (): Catalog => structuredClone(parseCatalog(catalog));
const loc = { lat: 1, lon: 2 };

/** The problems a TG_ERR_CATALOG error lists, or the thrown value if it is not one. */
function problemsOf(value: unknown): unknown {
  try {
    parseCatalog(value);
    return [];
  } catch (err) {
    return isTransformError(err, 'TG_ERR_CATALOG') ? err.detail.problems ?? err.message : err;
  }
}

describe('catalog validation', () => {
  it('accepts the bundled catalog', () => {
    expect(() => parseCatalog(catalog)).not.toThrow();
  });

  it('rejects a catalog that is not an object', () => {
    expect(() => parseCatalog([])).toThrow(expect.objectContaining({ code: 'TG_ERR_CATALOG', message: 'catalog is not a JSON object' }));
  });

  it('lists every problem with its location in one error', () => {
    // Prepare
    const bad = clone() as unknown as { types: Record<string, Record<string, unknown>>; devices: Array<Record<string, unknown>> };
    const env = bad.types['env-sensor'] as { fields: Record<string, Record<string, unknown>>; thresholds: Record<string, unknown> };
    (env.fields.temperature as Record<string, unknown>).min = 100;
    (env.fields.humidity as Record<string, unknown>).normaliseTo = 'K';
    env.thresholds.pressure = { high: 1 };
    env.thresholds.battery = { low: 4, high: 3 };
    bad.types.unknown = { fields: {} };
    bad.types['x'] = { fields: { constructor: { unit: 'C', min: 0, max: 1 } }, drop: 'yes' };
    bad.devices.push({ id: 'a', prefix: 'b', type: 'env-sensor', site: 's', location: loc });
    bad.devices.push({ prefix: 'sim-env-sensor-', type: 'nope', site: '', location: { lat: 91, lon: 0 } });
    // Act
    const problems = problemsOf(bad);
    // Assess
    expect(problems).toEqual([
      'types.env-sensor.fields.temperature: min 100 is above max 85',
      'types.env-sensor.fields.humidity.normaliseTo: no conversion from "%" to "K"',
      'types.env-sensor.thresholds.battery: low 4 is above high 3',
      'types.env-sensor.thresholds.pressure: "pressure" is not one of this type\'s fields',
      'types.unknown: "unknown" is reserved for devices that match no rule',
      'types.x.drop: must be true or false',
      'types.x.fields.constructor: "constructor" cannot be used as a field name',
      'devices[6]: needs exactly one of "id" and "prefix"',
      'devices[7].prefix: duplicate prefix "sim-env-sensor-"',
      'devices[7].type: "nope" is not defined in types',
      'devices[7].site: must be a non-empty string',
      'devices[7].location.lat: must be a number in [-90, 90]',
    ]);
  });

  it('requires types and devices', () => {
    expect(problemsOf({})).toEqual(['types: must be an object of device types', 'devices: must be an array of device rules']);
    expect(problemsOf({ types: { t: { fields: { f: { unit: '', min: 'a', max: null } } } }, devices: [] })).toEqual([
      'types.t.fields.f.unit: must be a non-empty string',
      'types.t.fields.f.min: must be a finite number',
      'types.t.fields.f.max: must be a finite number',
    ]);
  });
});

describe('device resolution', () => {
  it('prefers an exact id, then the longest prefix, else unknown', () => {
    // Prepare
    const c = clone();
    c.devices.push({ id: 'sim-env-sensor-0001', type: 'vibration-monitor', site: 'exception', location: loc });
    const dir = compileCatalog(c);
    // Act + Assess
    expect(dir.resolve('sim-env-sensor-0001').type.name).toBe('vibration-monitor');
    expect(dir.resolve('sim-env-sensor-0002').type.name).toBe('env-sensor');
    expect(dir.resolve('sim-env-sensor-imperial-0002').type.name).toBe('env-sensor-imperial');
    expect(dir.resolve('dev-42')).toMatchObject({ site: 'demo', location: { label: 'Demo bench' } });
    expect(dir.resolve('dev-43')).toMatchObject({ type: { name: 'unknown', drop: false, fields: [] }, site: null, location: null });
    expect(dir.resolve('sim-env-sensor')).toMatchObject({ type: { name: 'unknown' } });
  });

  it('compiles normalisation and thresholds into the fields', () => {
    const imperial = compileCatalog(clone()).resolve('sim-env-sensor-imperial-1').type;
    const t = imperial.fields.find((f) => f.name === 'temperature');
    expect(t).toMatchObject({ unit: 'F', outUnit: 'C', min: -40, max: 185, low: -10, high: 45 });
    expect(t?.convert?.(212)).toBe(100);
    expect(imperial.dewPoint).toBe(true);
    expect(compileCatalog(clone()).resolve('sim-vibration-monitor-1').type.dewPoint).toBe(false);
  });
});

describe('catalog files', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads a valid file and names the file in errors', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tidegate-catalog-'));
    dir = tmp;
    const good = join(tmp, 'good.json');
    const notJson = join(tmp, 'bad.json');
    const invalid = join(tmp, 'invalid.json');
    writeFileSync(good, JSON.stringify(catalog));
    writeFileSync(notJson, '{ "types": ');
    writeFileSync(invalid, JSON.stringify({ types: {}, devices: [{ id: 'a', type: 'b', site: 's', location: loc }] }));
    expect(loadCatalogFile(good).devices).toHaveLength(6);
    expect(() => loadCatalogFile(join(tmp, 'missing.json'))).toThrow(expect.objectContaining({ code: 'TG_ERR_CATALOG', message: expect.stringContaining('cannot read catalog') }));
    expect(() => loadCatalogFile(notJson)).toThrow(expect.objectContaining({ code: 'TG_ERR_CATALOG', message: expect.stringContaining('is not JSON') }));
    expect(() => loadCatalogFile(invalid)).toThrow(`${invalid} is invalid:\n  - devices[0].type: "b" is not defined in types`);
  });
});
