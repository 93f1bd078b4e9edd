import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { spawnKinesis, type ChildKinesis } from '../../stack/harness/kinesis-process.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { makeTempDir } from '../support/tmp.js';

/** A seeded source of "random" kill points, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Load {
  stop(): Promise<void>;
}

/**
 * QoS 1 load: every device keeps `window` unacknowledged publishes; `n` continues across connections, and what
 * the gateway acknowledged is recorded in `acked`. Connections end when the gateway dies.
 */
function startLoad(port: number, devices: string[], next: Map<string, number>, acked: Map<string, Set<number>>, window = 10): Load {
  let stopping = false;
  const clients: MqttClient[] = [];
  const loops = devices.map(async (id) => {
    const client = mqtt.connect({ host: '127.0.0.1', port, clientId: id, reconnectPeriod: 0, connectTimeout: 3000 });
    client.on('error', () => undefined);
    clients.push(client);
    const connected = await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('close', () => resolve(false));
    });
    if (!connected) return;
    const inflight = new Set<Promise<void>>();
    const pending = new Set<() => void>();
    client.once('close', () => pending.forEach((settle) => settle()));
    while (!stopping && client.connected) {
      const n = next.get(id) ?? 0;
      next.set(id, n + 1);
      const p = new Promise<void>((resolve) => {
        pending.add(resolve);
        client.publish(`devices/${id}/telemetry`, JSON.stringify({ n }), { qos: 1 }, (err) => {
          if (!err) acked.get(id)?.add(n);
          pending.delete(resolve);
          resolve();
        });
      });
      inflight.add(p);
      void p.then(() => inflight.delete(p));
      if (inflight.size >= window) await Promise.race(inflight);
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await Promise.race([Promise.all(loops), sleep(2000)]);
    },
  };
}

async function metric(gw: ChildGateway, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

describe('spool mode survives Kinesis outages and gateway crashes (child processes)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('keeps acknowledging while Kinesis is down; after SIGKILLs at random points every acknowledged reading is in the stream, in order', async () => {
    const random = seeded(Number(process.env['TIDEGATE_CRASH_SEED'] ?? 7));
    const dir = makeTempDir();
    cleanups.push(() => dir.remove());
    const kinesisPath = join(dir.path, 'kinesis');
    const gatewayArgs = ['--mode', 'local', '--ack', 'spool', '--data-dir', join(dir.path, 'gw'), '--local-kinesis-port', '0', '--delivery', 'off', '--request-timeout-ms', '2000', '--retry-max-ms', '500'];
    const devices = Array.from({ length: 24 }, (_, i) => `crash-dev-${i}`);
    const next = new Map<string, number>();
    const acked = new Map<string, Set<number>>(devices.map((d) => [d, new Set<number>()]));
    let kinesis: ChildKinesis = await spawnKinesis(kinesisPath);
    cleanups.push(() => kinesis.kill());
    let outageAcks = 0;

    // Cycle 0: Kinesis dies, then the gateway. Cycle 1: the gateway dies while Kinesis is healthy (this is what
    // produces duplicates: accepted after the last checkpoint). Cycle 2: Kinesis dies, then the gateway.
    for (let cycle = 0; cycle < 3; cycle++) {
      // The done-when names the SDK's variable: the external endpoint comes from AWS_ENDPOINT_URL_KINESIS.
      const gw = await spawnGateway(gatewayArgs, { env: { AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint } });
      cleanups.push(() => gw.kill());
      const load = startLoad(gw.mqttPort, devices, next, acked);
      await sleep(400 + random() * 600);

      const outage = cycle !== 1;
      if (outage) {
        // Kinesis dies mid-load; the gateway must keep acknowledging from the spool.
        const before = [...acked.values()].reduce((n, s) => n + s.size, 0);
        await kinesis.kill();
        await sleep(500 + random() * 700);
        const during = [...acked.values()].reduce((n, s) => n + s.size, 0) - before;
        expect(during).toBeGreaterThan(0);
        outageAcks += during;
      }

      // The gateway crashes at a random point, then whatever died comes back.
      await sleep(random() * 300);
      await gw.kill();
      await load.stop();
      if (outage) kinesis = await spawnKinesis(kinesisPath);
    }

    // A final run drains what the crashed runs left in the spool.
    const last = await spawnGateway(gatewayArgs, { env: { AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint } });
    cleanups.push(() => last.kill());
    await vi.waitFor(async () => expect(await metric(last, 'tidegate_spool_entries')).toBe(0), { timeout: 30_000, interval: 200 });
    expect(await metric(last, 'tidegate_spool_replayed_entries_total')).toBeGreaterThan(0);

    const client = testKinesisClient(kinesis.endpoint);
    cleanups.push(() => client.destroy());
    const records = (await readStream(client, 'telemetry')).map(parseRecord);
    let total = 0;
    let duplicates = 0;
    for (const id of devices) {
      const ns = records.filter((r) => r.deviceId === id).map((r) => r.reading['n'] as number);
      const firsts = ns.filter((n, i) => ns.indexOf(n) === i);
      total += ns.length;
      duplicates += ns.length - firsts.length;
      // Order: the first occurrences of a device's readings are strictly increasing.
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      const have = new Set(ns);
      expect([...(acked.get(id) ?? [])].filter((n) => !have.has(n))).toEqual([]);
    }
    const ackedTotal = [...acked.values()].reduce((n, s) => n + s.size, 0);
    console.log(
      `spool crash harness: ${ackedTotal} acknowledged (${outageAcks} while Kinesis was down), ${total} records in the stream, ` +
        `${duplicates} duplicates (${((100 * duplicates) / Math.max(1, total)).toFixed(2)}%)`,
    );
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
  });
});
