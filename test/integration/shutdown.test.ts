import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { makeTempDir } from '../support/tmp.js';

describe('graceful shutdown (child process)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('SIGTERM under QoS 1 load from many devices exits 0, and every acknowledged reading is in the stream after a restart', async () => {
    const dir = makeTempDir();
    cleanups.push(() => dir.remove());
    const args = ['--mode', 'local', '--local-kinesis-port', '0', '--delivery', 'off', '--data-dir', dir.path];
    const first: ChildGateway = await spawnGateway(args);
    cleanups.push(() => first.kill());

    const devices = Array.from({ length: 30 }, (_, i) => `term-dev-${i}`);
    const clients: MqttClient[] = await Promise.all(devices.map((id) => connectDevice(first.mqttPort, id)));
    cleanups.push(() => closeAll(clients));
    const acked = new Map<string, number[]>(devices.map((d) => [d, []]));
    let stop = false;
    // Each device keeps a window of 10 unacknowledged QoS 1 publishes until the gateway goes away.
    const loops = clients.map(async (client, i) => {
      const id = devices[i] as string;
      let n = 0;
      // Publishes still unacknowledged when the connection closes never get their callback: settle them here.
      const pending = new Set<() => void>();
      client.once('close', () => {
        for (const settle of pending) settle();
      });
      const publishOne = (k: number): Promise<void> =>
        new Promise((resolve) => {
          pending.add(resolve);
          client.publish(`devices/${id}/telemetry`, JSON.stringify({ n: k }), { qos: 1 }, (err) => {
            if (!err) acked.get(id)?.push(k);
            pending.delete(resolve);
            resolve();
          });
        });
      const window = new Set<Promise<void>>();
      while (!stop && client.connected) {
        const p = publishOne(n++);
        window.add(p);
        void p.then(() => window.delete(p));
        if (window.size >= 10) await Promise.race(window);
      }
    });

    await new Promise((r) => setTimeout(r, 1500));
    first.child.kill('SIGTERM');
    const code = await first.exited;
    stop = true;
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 2000))]);
    expect(code).toBe(0);
    const totalAcked = [...acked.values()].reduce((n, a) => n + a.length, 0);
    expect(totalAcked).toBeGreaterThan(100);

    const second = await spawnGateway(args);
    cleanups.push(() => second.kill());
    const kinesis = testKinesisClient(second.kinesisEndpoint);
    cleanups.push(() => kinesis.destroy());
    const records = (await readStream(kinesis, 'telemetry')).map(parseRecord);
    for (const id of devices) {
      const stored = records.filter((r) => r.deviceId === id).map((r) => r.reading['n'] as number);
      // Per-device order: strictly increasing, no duplicates (nothing was retried here).
      expect(stored).toEqual([...stored].sort((a, b) => a - b));
      expect(new Set(stored).size).toBe(stored.length);
      const have = new Set(stored);
      const missing = (acked.get(id) ?? []).filter((n) => !have.has(n));
      expect(missing).toEqual([]);
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
