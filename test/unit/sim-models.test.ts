import { describe, expect, it } from 'vitest';
import { parseCatalog, type Catalog } from '../../device-sim/catalog.js';
import { createRng } from '../../device-sim/prng.js';
import { createReadingSource, type Emission, type ReadingSourceOptions } from '../../device-sim/reading-source.js';

/** A catalog in the shape of transforms/catalog.json, fixed here so the tests do not follow its edits. */
const catalog: Catalog = parseCatalog({
  types: {
    'env-sensor': {
      description: 'metric environment sensor',
      drop: false,
      fields: {
        temperature: { unit: 'C', min: -40, max: 85 },
        humidity: { unit: '%', min: 0, max: 100 },
        battery: { unit: 'V', min: 0, max: 4.5 },
      },
      thresholds: {},
    },
    'env-sensor-imperial': {
      description: 'imperial environment sensor',
      drop: false,
      fields: {
        temperature: { unit: 'F', min: -40, max: 185, normaliseTo: 'C' },
        humidity: { unit: '%', min: 0, max: 100 },
        battery: { unit: 'V', min: 0, max: 4.5 },
      },
    },
    'vibration-monitor': {
      description: 'vibration',
      drop: false,
      fields: {
        vibrationRms: { unit: 'g', min: 0, max: 50 },
        temperature: { unit: 'C', min: -40, max: 85 },
        battery: { unit: 'V', min: 0, max: 4.5 },
      },
    },
    'asset-tracker': {
      description: 'tracker',
      drop: false,
      fields: {
        lat: { unit: 'deg', min: -90, max: 90 },
        lon: { unit: 'deg', min: -180, max: 180 },
        speed: { unit: 'm/s', min: 0, max: 100 },
        battery: { unit: 'V', min: 0, max: 4.5 },
      },
    },
    'lab-test-rig': { description: 'dropped', drop: true, fields: { temperature: { unit: 'C', min: -40, max: 85 } } },
  },
  devices: [
    { prefix: 'sim-env-sensor-', type: 'env-sensor', location: { lat: 51.95, lon: 4.14 } },
    { prefix: 'sim-asset-tracker-', type: 'asset-tracker', location: { lat: 51.92, lon: 4.47 } },
  ],
});

const T0 = Date.UTC(2025, 5, 1, 0, 0, 0);
const types = ['env-sensor', 'env-sensor-imperial', 'vibration-monitor', 'asset-tracker'] as const;

function source(type: string, overrides: Partial<ReadingSourceOptions> = {}) {
  return createReadingSource({
    deviceId: `sim-${type}-00001`,
    neighbourId: `sim-${type}-00002`,
    type: catalog.types[type]!,
    seed: 42,
    anomalyRate: 0,
    badPayloadRate: 0,
    oversizeBytes: 2048,
    ...overrides,
  });
}

/** `count` emissions at a fixed step. */
function run(type: string, count: number, stepMs: number, overrides: Partial<ReadingSourceOptions> = {}): Emission[] {
  const s = source(type, overrides);
  return Array.from({ length: count }, (_, i) => s.next(T0 + i * stepMs));
}

const readings = (es: Emission[]) =>
  es.flatMap((e) => (e.kind === 'reading' ? [JSON.parse(e.payload) as Record<string, number>] : []));

describe('sensor models', () => {
  it('are deterministic under a seed, and differ between seeds and devices', () => {
    for (const type of types) {
      expect(run(type, 500, 1000)).toEqual(run(type, 500, 1000));
      expect(run(type, 50, 1000, { seed: 43 })).not.toEqual(run(type, 50, 1000));
      expect(run(type, 50, 1000, { deviceId: 'other' })).not.toEqual(run(type, 50, 1000));
    }
  });

  it('emit {ts, n, ...fields} in catalog order, rounded like a sensor', () => {
    const [first] = readings(run('env-sensor', 1, 1000));
    expect(Object.keys(first!)).toEqual(['ts', 'n', 'temperature', 'humidity', 'battery']);
    expect(first!['ts']).toBe(T0);
    expect(first!['n']).toBe(1);
    expect(String(first!['temperature'])).toMatch(/^-?\d+(\.\d{1,2})?$/);
    expect(String(first!['battery'])).toMatch(/^\d+(\.\d{1,3})?$/);
  });

  it('stay within the catalog ranges over long runs, at short and long steps, with anomalies on', () => {
    const violations: string[] = [];
    for (const type of types) {
      const fields = Object.entries(catalog.types[type]!.fields);
      // 5.5 h at 1 s, a week at 1 min, 1.5 years at 1 h (batteries run flat, trackers roam far).
      for (const [count, step] of [[20_000, 1000], [10_000, 60_000], [13_000, 3_600_000]] as const) {
        for (const anomalyRate of [0, 0.2]) {
          for (const r of readings(run(type, count, step, { anomalyRate }))) {
            for (const [name, f] of fields) {
              const v = r[name]!;
              if (!(Number.isFinite(v) && v >= f.min && v <= f.max)) violations.push(`${type}.${name}=${v}`);
            }
          }
        }
      }
    }
    expect(violations.slice(0, 10)).toEqual([]);
  });

  it('follow a diurnal cycle, humidity moves against temperature, batteries drain', () => {
    // 20 devices, 10 days at 10 min: afternoons are warmer than nights (the catalog site is near 4°E).
    let afternoon = 0;
    let night = 0;
    for (let d = 0; d < 20; d++) {
      const rs = readings(run('env-sensor', 1440, 600_000, { deviceId: `sim-env-sensor-${d}`, home: { lat: 52, lon: 4 } }));
      const hourOf = (r: Record<string, number>) => new Date(r['ts']!).getUTCHours();
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      afternoon += mean(rs.filter((r) => hourOf(r) === 14).map((r) => r['temperature']!));
      night += mean(rs.filter((r) => hourOf(r) === 2).map((r) => r['temperature']!));
      const t = rs.map((r) => r['temperature']!);
      const h = rs.map((r) => r['humidity']!);
      expect(correlation(t, h)).toBeLessThan(-0.3);
      expect(rs.at(-1)!['battery']!).toBeLessThan(rs[0]!['battery']!);
    }
    expect(afternoon / 20).toBeGreaterThan(night / 20 + 1);
  });

  it('report Fahrenheit for the imperial type from the same physics', () => {
    const t = readings(run('env-sensor-imperial', 2000, 60_000)).map((r) => r['temperature']!);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    expect(mean).toBeGreaterThan(40); // 12-24 °C ambient is 54-75 °F
    expect(mean).toBeLessThan(90);
  });

  it('vibration comes in bursts above the running level', () => {
    const v = readings(run('vibration-monitor', 20_000, 1000)).map((r) => r['vibrationRms']!).sort((a, b) => a - b);
    expect(v.at(-1)!).toBeGreaterThan(3 * v[Math.floor(v.length / 2)]!);
  });

  it('trackers drift with heading and speed: no teleporting, but they get somewhere', () => {
    const rs = readings(run('asset-tracker', 3600, 1000, { home: { lat: 51.92, lon: 4.47 } }));
    const metres = (a: Record<string, number>, b: Record<string, number>) =>
      Math.hypot((b['lat']! - a['lat']!) * 111_320, (b['lon']! - a['lon']!) * 111_320 * Math.cos((a['lat']! * Math.PI) / 180));
    for (let i = 1; i < rs.length; i++) expect(metres(rs[i - 1]!, rs[i]!)).toBeLessThan(100 * 1 + 30);
    expect(Math.abs(rs[0]!['lat']! - 51.92)).toBeLessThan(1);
    expect(rs.some((r) => r['speed']! > 1)).toBe(true);
    const travelled = rs.slice(1).reduce((sum, r, i) => sum + metres(rs[i]!, r), 0);
    expect(travelled).toBeGreaterThan(1000);
  });
});

describe('anomaly and bad-payload injection', () => {
  it('starts anomalies at the configured rate, of every kind', () => {
    let ticks = 0;
    const started = new Map<string, number>();
    let skewed = 0;
    for (let d = 0; d < 20; d++) {
      const s = source('env-sensor', { deviceId: `sim-env-sensor-${d}`, anomalyRate: 0.02 });
      for (let i = 0; i < 5000; i++) {
        const now = T0 + i * 1000;
        const e = s.next(now);
        ticks++;
        if (e.kind !== 'bad' && e.anomaly !== undefined) started.set(e.anomaly, (started.get(e.anomaly) ?? 0) + 1);
        if (e.kind === 'reading' && e.ts !== now) skewed++;
      }
    }
    const total = [...started.values()].reduce((a, b) => a + b, 0);
    expect(total / ticks).toBeGreaterThan(0.017);
    expect(total / ticks).toBeLessThan(0.023);
    expect([...started.keys()].sort()).toEqual(['clock-skew', 'dropout', 'spike', 'stuck']);
    expect(skewed).toBeGreaterThan(0);
  });

  it('shows dropouts as gaps in n, stuck values as repeats, spikes at the range edge', () => {
    const es = run('env-sensor', 20_000, 1000, { anomalyRate: 0.05 });
    const skips = es.filter((e) => e.kind === 'skip');
    expect(skips.length).toBeGreaterThan(0);
    const ns = es.flatMap((e) => (e.kind === 'reading' ? [e.n] : []));
    expect(new Set(ns).size).toBe(ns.length);
    expect(ns.length + skips.length).toBe(20_000);
    const temps = readings(es).map((r) => r['temperature']!);
    let repeats = 0;
    for (let i = 5; i < temps.length; i++) if (temps.slice(i - 5, i).every((t) => t === temps[i])) repeats++;
    expect(repeats).toBeGreaterThan(0);
    expect(temps.some((t) => t >= 85 * 0.97)).toBe(true);
  });

  it('does not change the sensor signal when only the anomaly or bad-payload rate changes', () => {
    const byTs = (rs: Record<string, number>[]) => new Map(rs.map(({ n: _n, ...fields }) => [fields['ts'], fields]));
    const plain = byTs(readings(run('vibration-monitor', 2000, 1000)));
    const withBad = byTs(readings(run('vibration-monitor', 2000, 1000, { badPayloadRate: 0.1 })));
    expect(withBad.size).toBeLessThan(1950);
    for (const [ts, fields] of withBad) expect(fields).toEqual(plain.get(ts));
    const withAnomalies = readings(run('vibration-monitor', 2000, 1000, { anomalyRate: 0.05, anomalyKinds: ['dropout'] }));
    expect(withAnomalies.length).toBeLessThan(1950);
    for (const { n: _n, ...fields } of withAnomalies) expect(fields).toEqual(plain.get(fields['ts']));
  });

  it('emits bad payloads at the configured rate, each kind malformed in its own way', () => {
    const counts = new Map<string, number>();
    let ticks = 0;
    for (let d = 0; d < 10; d++) {
      const s = source('env-sensor', { deviceId: `sim-env-sensor-${d}`, badPayloadRate: 0.1 });
      for (let i = 0; i < 2000; i++) {
        const e = s.next(T0 + i * 1000);
        ticks++;
        if (e.kind !== 'bad') continue;
        counts.set(e.badKind, (counts.get(e.badKind) ?? 0) + 1);
        switch (e.badKind) {
          case 'invalid-json':
            expect(() => JSON.parse(e.payload)).toThrow();
            break;
          case 'non-object': {
            const v: unknown = JSON.parse(e.payload);
            expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(false);
            break;
          }
          case 'oversize':
            expect(Buffer.byteLength(e.payload)).toBeGreaterThanOrEqual(2048);
            expect(typeof JSON.parse(e.payload)).toBe('object');
            break;
          case 'wrong-topic':
            expect(e.topic).toBe('devices/sim-env-sensor-00002/telemetry');
            expect(typeof JSON.parse(e.payload)).toBe('object');
            break;
        }
      }
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(total / ticks).toBeGreaterThan(0.085);
    expect(total / ticks).toBeLessThan(0.115);
    expect([...counts.keys()].sort()).toEqual(['invalid-json', 'non-object', 'oversize', 'wrong-topic']);
  });
});

describe('seeded random streams', () => {
  it('are uniform and normal as advertised', () => {
    const rng = createRng(7, 'x');
    const u = Array.from({ length: 100_000 }, () => rng.next());
    const n = Array.from({ length: 100_000 }, () => rng.normal());
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 2);
    expect(mean(n)).toBeCloseTo(0, 1);
    expect(Math.sqrt(mean(n.map((x) => x * x)))).toBeCloseTo(1, 1);
  });
});

function correlation(a: number[], b: number[]): number {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}
