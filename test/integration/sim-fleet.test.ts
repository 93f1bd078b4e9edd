import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet, type FleetStats } from '../../device-sim/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Everything a test opened, closed after it whatever happened. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function gateway(flags: string[] = []): Promise<TestGateway> {
  const tg = await startTestGateway(flags);
  cleanups.push(() => tg.stop());
  return tg;
}

function fleetOn(port: number, options: Parameters<typeof createFleet>[0]): Fleet {
  const fleet = createFleet({ brokerUrl: `mqtt://127.0.0.1:${port}`, seed: 'sim-fleet-test', reconnectBaseMs: 50, reconnectMaxMs: 500, ...options });
  cleanups.push(() => fleet.stop());
  return fleet;
}

/** Readings in the stream, keyed `${deviceId}#${n}`. */
async function streamReadings(tg: TestGateway): Promise<Map<string, Record<string, unknown>>> {
  const client = testKinesisClient(tg.gateway.kinesisEndpoint as string);
  try {
    const out = new Map<string, Record<string, unknown>>();
    for (const r of await readStream(client, 'telemetry')) {
      const rec = parseRecord(r);
      out.set(`${rec.deviceId}#${String(rec.reading['n'])}`, rec.reading);
    }
    return out;
  } finally {
    client.destroy();
  }
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('device-sim against the real gateway', () => {
  it('delivers every acknowledged reading of 20 devices × 20 readings to the stream', async () => {
    const tg = await gateway();
    const acked: { deviceId: string; n: number; ts: number }[] = [];
    const fleet = fleetOn(tg.gateway.mqttPort, { devices: 20, count: 20, rate: 50, qos: 1, workers: 1, onAck: (a) => acked.push(a) });
    await fleet.start();
    await fleet.finished();
    const stats = await fleet.stop();
    expect(stats).toMatchObject({ devices: 20, connected: 20, sent: 400, acked: 400, errors: 0, abandoned: 0 });
    expect(stats.latency.count).toBe(400);
    expect(stats.latency.p99).toBeGreaterThan(0);
    expect(acked).toHaveLength(400);

    const stored = await streamReadings(tg);
    for (const a of acked) expect(stored.get(`${a.deviceId}#${a.n}`)?.['ts'], `${a.deviceId}#${a.n}`).toBe(a.ts);
    expect(new Set(acked.map((a) => a.deviceId))).toEqual(new Set(fleet.deviceIds));
  });

  it('reconnects when the gateway restarts on the same port, and keeps publishing', async () => {
    const first = await gateway();
    const port = first.gateway.mqttPort;
    const fleet = fleetOn(port, { devices: 6, rate: 20, qos: 1, workers: 1 });
    await fleet.start();
    await until('readings through the first gateway', () => fleet.stats().acked >= 60);

    await first.stop();
    await until('devices to notice', () => fleet.stats().online === 0);
    const before = fleet.stats();
    const second = await gateway(['--mqtt-port', String(port)]);
    await until('devices to reconnect', () => fleet.stats().online === 6);
    await until('readings through the second gateway', () => fleet.stats().acked >= before.acked + 60);
    const stats = await fleet.stop();
    expect(stats.reconnects).toBeGreaterThanOrEqual(6);
    expect(stats.connected).toBe(6);

    // Every device published to the new gateway, carrying on with its reading counter.
    const stored = [...(await streamReadings(second)).keys()];
    for (const id of fleet.deviceIds) {
      const ns = stored.filter((k) => k.startsWith(`${id}#`)).map((k) => Number(k.split('#')[1]));
      expect(ns.length, id).toBeGreaterThan(0);
      expect(Math.min(...ns), id).toBeGreaterThan(1);
    }
  });

  it('survives its bad payloads: rejected ones are acknowledged, a wrong topic costs a reconnect', async () => {
    const tg = await gateway();
    const acked: string[] = [];
    const fleet = fleetOn(tg.gateway.mqttPort, {
      devices: 4, count: 40, rate: 50, qos: 1, workers: 1, badPayloadRate: 0.25, oversizeBytes: 140_000,
      onAck: (a) => acked.push(`${a.deviceId}#${a.n}`),
    });
    await fleet.start();
    await fleet.finished();
    const stats = await fleet.stop();
    expect(stats.bad).toBeGreaterThan(10);
    expect(stats.reconnects).toBeGreaterThan(0); // the seed yields wrong-topic payloads
    expect(stats.sent + stats.bad).toBe(160);
    expect(stats.acked).toBe(stats.sent);
    expect(stats.connectionLosses).toBe(0); // closes after a wrong topic are expected, not errors
    const stored = await streamReadings(tg);
    for (const key of acked) expect(stored.has(key), key).toBe(true);
    // The gateway saw each kind of bad payload on its own rejection path.
    const rejected = await tg.gateway.metrics.readingsRejected.get();
    const reasons = new Set(rejected.values.filter((v) => v.value > 0).map((v) => v.labels['reason']));
    expect(reasons).toEqual(new Set(['invalid_json', 'not_json_object', 'payload_too_large', 'identity_mismatch']));
  });

  it('runs devices in worker threads and merges their stats; a duration gives exactly rate × duration readings', async () => {
    const tg = await gateway();
    const fleet = fleetOn(tg.gateway.mqttPort, { devices: 10, durationS: 1, rate: 20, workers: 2 });
    await fleet.start();
    await fleet.finished();
    const stats: FleetStats = await fleet.stop();
    expect(stats).toMatchObject({ workers: 2, connected: 10, sent: 200, acked: 200, errors: 0 });
    expect(stats.latency.count).toBe(200);
    expect((await streamReadings(tg)).size).toBe(200);
  });

  it('CLI: --json prints the summary as the last stdout line; bad options exit 2', async () => {
    const tg = await gateway();
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'device-sim', 'cli.ts'), ...args], { cwd: ROOT });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const run = await cli(['--broker', `mqtt://127.0.0.1:${tg.gateway.mqttPort}`, '--devices', '5', '--count', '5', '--rate', '20', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ devices: 5, connected: 5, sent: 25, acked: 25, errors: 0, bad: 0, reconnects: 0 });
    expect(summary['latency']).toMatchObject({ p50: expect.any(Number), p99: expect.any(Number), max: expect.any(Number) });
    for (const key of ['durationS', 'connectTimeS', 'rssBytes', 'rssPerDeviceBytes']) expect(summary[key], key).toEqual(expect.any(Number));

    const bad = await cli(['--qos', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--qos/);
  });
});
