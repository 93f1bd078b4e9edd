import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { listShards, owningShard, parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';

const run = promisify(execFile);

describe('gateway spine: MQTT → Kinesis in local mode', () => {
  let tg: TestGateway;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    tg = await startTestGateway();
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await tg?.stop();
  });

  it('creates stream telemetry with 4 shards', async () => {
    const shards = await listShards(kinesis, 'telemetry');
    expect(shards).toHaveLength(4);
  });

  it('acknowledges a QoS 1 reading from mosquitto_pub only once it is in the owning shard', async () => {
    // A client this project did not write.
    const { stderr } = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(tg.gateway.mqttPort), '-i', 'dev-42',
      '-t', 'devices/dev-42/telemetry', '-q', '1', '-m', '{"temperature":21.5}',
    ]);
    expect(stderr).toBe('');
    // mosquitto_pub exits 0 only after the PUBACK, and the PUBACK only follows Kinesis' acceptance:
    // so the record must already be readable.
    const records = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'dev-42');
    expect(records).toHaveLength(1);
    const shards = await listShards(kinesis, 'telemetry');
    const rec = records[0]!;
    expect(rec.shardId).toBe(owningShard(shards, 'dev-42'));
    const body = parseRecord(rec);
    expect(body.deviceId).toBe('dev-42');
    expect(body.seq).toBe(1);
    expect(body.reading).toEqual({ temperature: 21.5 });
    expect(typeof body.epoch).toBe('number');
    expect(Math.abs(body.receivedAt - Date.now())).toBeLessThan(60_000);
  });

  it('keeps the device payload byte for byte inside the record', async () => {
    const client = await connectDevice(tg.gateway.mqttPort, 'raw-bytes');
    const payload = '{ "b": 1.50,\n  "a": "ü", "n": null }';
    await client.publishAsync('devices/raw-bytes/telemetry', payload, { qos: 1 });
    await closeAll([client]);
    const [rec] = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'raw-bytes');
    expect(rec!.data.toString('utf8')).toContain(`"reading":${payload}}`);
  });

  it('delivers QoS 0 and QoS 1 readings of many devices in per-device order, on the owning shard', async () => {
    const devices = Array.from({ length: 12 }, (_, i) => `order-dev-${i}`);
    const clients = await Promise.all(devices.map((id) => connectDevice(tg.gateway.mqttPort, id)));
    const perDevice = 60;
    await Promise.all(
      clients.map(async (client, i) => {
        const id = devices[i]!;
        const sends: Promise<unknown>[] = [];
        for (let n = 0; n < perDevice; n++) {
          // Even devices publish QoS 1, odd ones QoS 0.
          sends.push(client.publishAsync(`devices/${id}/telemetry`, JSON.stringify({ n }), { qos: i % 2 === 0 ? 1 : 0 }));
        }
        await Promise.all(sends);
      }),
    );
    // QoS 0 has no acknowledgement to wait for: flush through a final QoS 1 reading per device.
    await Promise.all(clients.map((c, i) => c.publishAsync(`devices/${devices[i]}/telemetry`, '{"n":-1}', { qos: 1 })));
    await closeAll(clients);

    const shards = await listShards(kinesis, 'telemetry');
    const records = await readStream(kinesis, 'telemetry');
    for (const id of devices) {
      const mine = records.filter((r) => r.partitionKey === id);
      const owner = owningShard(shards, id);
      expect(mine.every((r) => r.shardId === owner)).toBe(true);
      const bodies = mine.map(parseRecord);
      expect(bodies.map((b) => b.reading['n'])).toEqual([...Array.from({ length: perDevice }, (_, n) => n), -1]);
      expect(bodies.map((b) => b.seq)).toEqual(Array.from({ length: perDevice + 1 }, (_, n) => n + 1));
    }
  });

  it('serves /healthz, /readyz and Prometheus /metrics', async () => {
    const base = `http://127.0.0.1:${tg.gateway.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('ready');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^tidegate_readings_forwarded_total \d+/m);
    expect(metrics).toMatch(/^tidegate_readings_received_total\{qos="1",protocol="mqtt"\} \d+/m);
    expect(metrics).toContain('tidegate_ack_latency_seconds_bucket');
  });

  it('refuses a client id that cannot be a device id', async () => {
    await expect(connectDevice(tg.gateway.mqttPort, 'bad/id')).rejects.toThrow();
  });
});

describe('startup guards', () => {
  it('refuses to bind the anonymous MQTT listener to a non-loopback address', async () => {
    await expect(startTestGateway(['--mqtt-host', '0.0.0.0'])).rejects.toMatchObject({ code: 'GW_ERR_CONFIG' });
  });
});

describe('data directory', () => {
  it('refuses a second gateway on the same data directory, and takes over a lock left by a dead process', async () => {
    const first = await startTestGateway();
    try {
      await expect(startTestGateway(['--data-dir', first.dataDir])).rejects.toMatchObject({ code: 'GW_ERR_DATA_DIR_LOCKED' });
    } finally {
      await first.gateway.shutdown(5000);
    }
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(first.dataDir, 'tidegate.lock'), '2147483646\n'); // no such process
    const second = await startTestGateway(['--data-dir', first.dataDir]);
    await second.stop();
    await first.stop();
  });
});
