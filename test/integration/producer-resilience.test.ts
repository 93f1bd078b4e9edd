import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashKeyOf } from '../../gateway/src/sinks/kinesis/shard-map.js';
import { startKinesisEndpoint, type KinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { listShards, owningShard, parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';

async function waitActive(client: KinesisClient, stream: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
      expect(s.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('producer resilience', () => {
  let tg: TestGateway | undefined;
  let kinesis: KinesisClient | undefined;
  let endpoint: KinesisEndpoint | undefined;
  afterEach(async () => {
    kinesis?.destroy();
    await tg?.stop();
    await endpoint?.close();
    tg = undefined;
    endpoint = undefined;
  });

  it('follows a reshard: after a split, readings land on the child shard that owns each device', async () => {
    tg = await startTestGateway(['--linger-ms', '5']);
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    // Two devices on shard 0 ([0, 2^126)) that a split at 2^125 separates.
    const split = 2n ** 125n;
    const find = (pred: (h: bigint) => boolean): string => {
      for (let i = 0; ; i++) if (pred(hashKeyOf(`split-${i}`))) return `split-${i}`;
    };
    const low = find((h) => h < split);
    const high = find((h) => h >= split && h < 2n ** 126n);
    const ids = [low, high];
    const clients = await Promise.all(ids.map((id) => connectDevice(tg!.gateway.mqttPort, id)));
    try {
      let n = 0;
      const publishRound = () =>
        Promise.all(clients.map((c, i) => c.publishAsync(`devices/${ids[i]}/telemetry`, JSON.stringify({ n }), { qos: 1 }))).then(() => n++);
      await publishRound();
      await kinesis.send(new SplitShardCommand({ StreamName: 'telemetry', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: split.toString() }));
      await waitActive(kinesis, 'telemetry');
      // The gateway's map is stale now; the first acknowledgements from a child shard tell it so.
      await vi.waitFor(
        async () => {
          await publishRound();
          expect(tg!.logs.some((l) => l['msg'] === 'shard map loaded' && String(l['reason']).includes('acknowledged on'))).toBe(true);
        },
        { timeout: 10_000, interval: 10 },
      );
      const cut = n;
      for (let k = 0; k < 20; k++) await publishRound();

      const shards = await listShards(kinesis, 'telemetry');
      expect(shards.length).toBe(6);
      const records = await readStream(kinesis, 'telemetry');
      for (const id of ids) {
        const owner = owningShard(shards, id);
        expect(owner).not.toBe('shardId-000000000000');
        const mine = records.filter((r) => r.partitionKey === id);
        const after = mine.filter((r) => (parseRecord(r).reading['n'] as number) >= cut);
        expect(after).toHaveLength(20);
        expect(after.every((r) => r.shardId === owner)).toBe(true);
        // Every reading is there exactly once.
        const ns = mine.map((r) => parseRecord(r).reading['n'] as number);
        expect([...ns].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => k));
        // Each shard holds a device's readings in order (a consumer reads a shard in order).
        for (const shard of new Set(mine.map((r) => r.shardId))) {
          const inShard = mine.filter((r) => r.shardId === shard).map((r) => parseRecord(r).reading['n'] as number);
          expect(inShard).toEqual([...inShard].sort((a, b) => a - b));
        }
        // Only records packed with the stale map (before the reload) may sit on a sibling of the owning shard.
        const misplaced = mine.filter((r) => r.shardId !== owner && r.shardId !== 'shardId-000000000000');
        expect(misplaced.every((r) => (parseRecord(r).reading['n'] as number) < cut)).toBe(true);
      }
    } finally {
      await closeAll(clients);
    }
  });

  it('a fatal error (stream deleted) fails /readyz with the cause, logs it once, holds acknowledgements, and recovers', async () => {
    endpoint = await startKinesisEndpoint({ streams: [{ name: 'telemetry', shardCount: 2 }] });
    tg = await startTestGateway(['--kinesis-endpoint', endpoint.endpoint, '--retry-max-ms', '200', '--retry-base-ms', '10']);
    kinesis = testKinesisClient(endpoint.endpoint);
    const base = `http://127.0.0.1:${tg.gateway.httpPort}`;
    const dev = await connectDevice(tg.gateway.mqttPort, 'fatal-dev');
    try {
      await dev.publishAsync('devices/fatal-dev/telemetry', '{"n":0}', { qos: 1 });
      await kinesis.send(new DeleteStreamCommand({ StreamName: 'telemetry' }));
      let acked = false;
      const pending = dev.publishAsync('devices/fatal-dev/telemetry', '{"n":1}', { qos: 1 }).then(() => (acked = true));
      await vi.waitFor(async () => {
        const res = await fetch(`${base}/readyz`);
        expect(res.status).toBe(503);
        const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
        expect(body.checks['stream']?.ok).toBe(false);
        expect(body.checks['stream']?.detail).toContain('ResourceNotFoundException');
        expect(body.checks['stream']?.detail).toContain('does not exist');
      }, { timeout: 5000, interval: 20 });
      await new Promise((r) => setTimeout(r, 1000)); // several retry rounds at --retry-max-ms
      expect(acked).toBe(false);
      const fatalLines = tg.logs.filter((l) => String(l['msg']).includes('rejects every request'));
      expect(fatalLines).toHaveLength(1);
      expect(fatalLines[0]?.['awsCode']).toBe('ResourceNotFoundException');
      expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^tidegate_sink_fatal 1$/m);

      await kinesis.send(new CreateStreamCommand({ StreamName: 'telemetry', ShardCount: 2 }));
      await pending;
      expect(acked).toBe(true);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const records = (await readStream(kinesis, 'telemetry')).map(parseRecord);
      expect(records.map((r) => r.reading)).toEqual([{ n: 1 }]);
    } finally {
      await closeAll([dev]);
    }
  });
});
