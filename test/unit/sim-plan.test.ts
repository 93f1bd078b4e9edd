import { describe, expect, it } from 'vitest';
import { parseCli } from '../../device-sim/args.js';
import { parseCatalog } from '../../device-sim/catalog.js';
import { reconnectDelay } from '../../device-sim/connection.js';
import { isTidegateError } from '../../common/errors.js';
import { resolveFleetOptions } from '../../device-sim/options.js';
import { parseSourceIps, planFleet } from '../../device-sim/plan.js';
import { createRng } from '../../device-sim/prng.js';

/** The catalog's shape with one field per type: plans and options only care about names, drop and rules. */
const field = { temperature: { unit: 'C', min: -40, max: 85 } };
const catalog = parseCatalog({
  types: {
    'env-sensor': { description: '', drop: false, fields: field },
    'env-sensor-imperial': { description: '', drop: false, fields: field },
    'vibration-monitor': { description: '', drop: false, fields: field },
    'asset-tracker': { description: '', drop: false, fields: field },
    'lab-test-rig': { description: '', drop: true, fields: field },
  },
  devices: [
    { prefix: 'sim-env-sensor-imperial-', type: 'env-sensor-imperial' },
    { prefix: 'sim-env-sensor-', type: 'env-sensor', location: { lat: 51.95, lon: 4.14 } },
    { id: 'dev-42', type: 'env-sensor' },
  ],
});

describe('fleet plan and options', () => {
  it('names devices like the catalog prefixes, round-robin over the profile, ramped in order', () => {
    const o = resolveFleetOptions({ devices: 9, rampPerSecond: 100, seed: 1, sourceIps: ['127.0.0.2', '127.0.0.3'] }, catalog);
    expect(o.profile).toEqual(['env-sensor', 'env-sensor-imperial', 'vibration-monitor', 'asset-tracker']);
    const plans = planFleet(o, catalog);
    expect(plans.map((p) => p.id).slice(0, 5)).toEqual([
      'sim-env-sensor-00000', 'sim-env-sensor-imperial-00000', 'sim-vibration-monitor-00000', 'sim-asset-tracker-00000', 'sim-env-sensor-00001',
    ]);
    expect(new Set(plans.map((p) => p.id)).size).toBe(9);
    expect(plans[0]!.home).toEqual({ lat: 51.95, lon: 4.14 });
    expect(plans.map((p) => p.localAddress)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.2', '127.0.0.3', '127.0.0.2', '127.0.0.3', '127.0.0.2', '127.0.0.3', '127.0.0.2']);
    for (let i = 1; i < plans.length; i++) {
      expect(plans[i]!.startOffsetMs).toBeGreaterThan(plans[i - 1]!.startOffsetMs);
      expect(plans[i]!.startOffsetMs).toBeLessThan((i + 1) * 10);
    }
    expect(plans[0]!.neighbourId).toBe(plans[1]!.id);
  });

  it('takes per-device secrets with the device id as username, and names devices without one', () => {
    const o = resolveFleetOptions({ devices: 2, profile: ['env-sensor'] }, catalog);
    const plans = planFleet(o, catalog, { 'sim-env-sensor-00000': 'a', 'sim-env-sensor-00001': 'b' });
    expect(plans.map((p) => [p.username, p.password])).toEqual([['sim-env-sensor-00000', 'a'], ['sim-env-sensor-00001', 'b']]);
    expect(() => planFleet(o, catalog, { 'sim-env-sensor-00000': 'a' })).toThrow(/sim-env-sensor-00001/);
  });

  it('parses source address ranges', () => {
    expect(parseSourceIps('127.0.0.2-127.0.0.4,10.0.0.1')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '10.0.0.1']);
    expect(parseSourceIps('127.0.0.255-127.0.1.0')).toEqual(['127.0.0.255', '127.0.1.0']);
    expect(() => parseSourceIps('127.0.0.9-127.0.0.2')).toThrow();
    expect(() => parseSourceIps('localhost')).toThrow();
  });

  it('rejects bad options with a usage error that names the option', () => {
    const usage = (argv: string[]): string => {
      try {
        const parsed = parseCli(argv);
        if (parsed.kind === 'run') resolveFleetOptions(parsed.fleet, catalog);
        return 'accepted';
      } catch (err) {
        return isTidegateError(err, 'SIM_ERR_USAGE') ? err.message : `not a usage error: ${String(err)}`;
      }
    };
    expect(usage(['--devices', '0'])).toMatch(/--devices/);
    expect(usage(['--devices', 'ten'])).toMatch(/--devices/);
    expect(usage(['--qos', '2'])).toMatch(/--qos/);
    expect(usage(['--rate', '2', '--interval', '100'])).toMatch(/exclusive/);
    expect(usage(['--anomaly-rate', '1.5'])).toMatch(/--anomaly-rate/);
    expect(usage(['--bogus'])).toMatch(/bogus/);
    expect(usage(['--broker', 'http://x'])).toMatch(/protocol/);
    expect(usage(['--profile', 'toaster'])).toMatch(/toaster/);
    expect(usage(['--bad-payload-kinds', 'gibberish'])).toMatch(/gibberish/);
    expect(usage(['--id-prefix', 'a/b'])).toMatch(/idPrefix/);
    expect(usage(['--devices', '3', '--qos', '0', '--profile', 'lab-test-rig'])).toBe('accepted');
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    // --list-ids takes the same options as a run (so the same plan), and lists instead of running.
    expect(parseCli(['--devices', '5', '--id-prefix', 'x-', '--list-ids'])).toMatchObject({ kind: 'list-ids', fleet: { devices: 5, idPrefix: 'x-' } });
    expect(parseCli(['--devices', '5'])).toMatchObject({ kind: 'run' });
  });
});


describe('reconnect backoff', () => {
  it('doubles per failure up to the maximum, jittered to [1/2, 1] of the ceiling', () => {
    const rng = createRng('backoff');
    for (let failures = 1; failures <= 12; failures++) {
      const ceiling = Math.min(30_000, 1000 * 2 ** (failures - 1));
      for (let i = 0; i < 200; i++) {
        const d = reconnectDelay(failures, 1000, 30_000, rng);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    // Jitter spreads a fleet's first reconnects instead of synchronising them.
    const first = Array.from({ length: 1000 }, () => reconnectDelay(1, 1000, 30_000, rng));
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(400);
  });
});
