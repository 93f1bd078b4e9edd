import { deaggregateSync, type DeaggregatedRecordV3 } from 'aws-kinesis-agg';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { KPL_MAGIC } from '../../common/kpl/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { listShards, owningShard, parseRecord, readRawStream, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';

/** Publishes `perDevice` QoS 1 readings from each device with a window of 50, all devices at once. */
async function publishAll(clients: MqttClient[], ids: string[], perDevice: number): Promise<void> {
  await Promise.all(
    clients.map(async (client, i) => {
      for (let start = 0; start < perDevice; start += 50) {
        const batch = [];
        for (let n = start; n < Math.min(perDevice, start + 50); n++) {
          const payload = JSON.stringify({ n, temperature: 20 + (n % 10) / 10, humidity: 40 + (n % 7), battery: 3.7 });
          batch.push(client.publishAsync(`devices/${ids[i]}/telemetry`, payload, { qos: 1 }));
        }
        await Promise.all(batch);
      }
    }),
  );
}

/** The independent deaggregator (aws-kinesis-agg), checksums on. */
function independentDeaggregate(r: { partitionKey: string; sequenceNumber: string; data: Buffer }): DeaggregatedRecordV3[] {
  let result: { err?: Error | null; out?: DeaggregatedRecordV3[] } = {};
  deaggregateSync(
    { PartitionKey: r.partitionKey, SequenceNumber: r.sequenceNumber, Data: new Uint8Array(r.data) },
    true,
    (err: Error | null | undefined, out?: DeaggregatedRecordV3[]) => {
      result = { err, out };
    },
  );
  if (result.err) throw result.err;
  return result.out ?? [];
}

describe('KPL aggregation end to end', () => {
  let tg: TestGateway | undefined;
  let kinesis: KinesisClient | undefined;
  afterEach(async () => {
    kinesis?.destroy();
    await tg?.stop();
  });

  it('40 devices × 250 readings land as aggregated records both decoders accept, on the owning shards, in order', async () => {
    tg = await startTestGateway();
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    const ids = Array.from({ length: 40 }, (_, i) => `agg-dev-${i}`);
    const clients = await Promise.all(ids.map((id) => connectDevice(tg!.gateway.mqttPort, id)));
    try {
      await publishAll(clients, ids, 250);
    } finally {
      await closeAll(clients);
    }

    const raw = await readRawStream(kinesis, 'telemetry');
    const aggregated = raw.filter((r) => r.data.subarray(0, 4).equals(KPL_MAGIC));
    expect(aggregated.length).toBeGreaterThan(0);
    // The independent implementation accepts every aggregated record (MD5 verified) and agrees with ours.
    const independent = raw.flatMap((r) =>
      r.data.subarray(0, 4).equals(KPL_MAGIC)
        ? independentDeaggregate(r).map((u) => ({ pk: u.PartitionKey, data: Buffer.from(u.Data, 'base64').toString('utf8') }))
        : [{ pk: r.partitionKey, data: r.data.toString('utf8') }],
    );
    const ours = await readStream(kinesis, 'telemetry');
    expect(independent).toEqual(ours.map((u) => ({ pk: u.partitionKey, data: u.data.toString('utf8') })));

    expect(ours).toHaveLength(40 * 250);
    const readingsPerRecord = ours.length / raw.length;
    expect(readingsPerRecord).toBeGreaterThan(20);

    const shards = await listShards(kinesis, 'telemetry');
    for (const id of ids) {
      const mine = ours.filter((u) => u.partitionKey === id);
      expect(new Set(mine.map((u) => u.shardId))).toEqual(new Set([owningShard(shards, id)]));
      const bodies = mine.map(parseRecord);
      expect(bodies.map((b) => b.reading['n'])).toEqual(Array.from({ length: 250 }, (_, n) => n));
      expect(bodies.map((b) => b.seq)).toEqual(Array.from({ length: 250 }, (_, n) => n + 1));
    }
    // Per-shard load is visible in metrics.
    const metrics = await (await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/tidegate_shard_readings_total\{shard="shardId-00000000000\d"\} \d+/);
    expect(metrics).toMatch(/tidegate_shard_records_total\{shard="shardId-00000000000\d"\} \d+/);
  });

  it('--aggregation off writes one plain record per reading', async () => {
    tg = await startTestGateway(['--aggregation', 'off']);
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    const ids = ['plain-1', 'plain-2'];
    const clients = await Promise.all(ids.map((id) => connectDevice(tg!.gateway.mqttPort, id)));
    try {
      await publishAll(clients, ids, 30);
    } finally {
      await closeAll(clients);
    }
    const raw = await readRawStream(kinesis, 'telemetry');
    expect(raw).toHaveLength(60);
    expect(raw.every((r) => !r.data.subarray(0, 4).equals(KPL_MAGIC) && JSON.parse(r.data.toString()).deviceId === r.partitionKey)).toBe(true);
  });
});
