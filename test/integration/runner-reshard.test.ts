import { DescribeStreamSummaryCommand, PutRecordsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect } from 'vitest';
import { createRunnerTest } from '../support/runner-fixture.js';
import { createTransform, loadCatalogFile } from '../../transforms/lambda/handler.js';
import { listShards } from '../support/kinesis.js';
import { listObjects, readLines, TEST_BUCKET, waitFor } from '../support/s3.js';

const CATALOG = loadCatalogFile(new URL('../../transforms/catalog.json', import.meta.url).pathname);
const DEVICES = Array.from({ length: 6 }, (_, i) => `sim-env-sensor-${String(i).padStart(4, '0')}`);
const reading = (deviceId: string, seq: number): Buffer =>
  Buffer.from(JSON.stringify({ deviceId, epoch: 1, seq, receivedAt: Date.now(), reading: { temperature: 20, humidity: 50, battery: 3.7 } }));

interface Line {
  deviceId: string;
  seq: number;
}

/** One PutRecords per round: each device's readings `from`..`to-1`, in order. */
async function put(kinesis: KinesisClient, from: number, to: number): Promise<void> {
  for (let seq = from; seq < to; seq++) {
    await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: DEVICES.map((id) => ({ PartitionKey: id, Data: reading(id, seq) })) }));
  }
}

const it = createRunnerTest(() => ({ transform: createTransform({ catalog: CATALOG }) }));

describe('delivery runner follows reshards', () => {
  it.override({ shards: 1 });

  it('a split shard is read to its end, then its children; every key stays in order', async ({ kinesis, s3, startRunner }) => {
    // Runner A is live across the split.
    const live = await startRunner({ prefix: 'live/', shardDiscoveryIntervalMs: 200 });
    await put(kinesis, 0, 10);
    await waitFor(async () => ((await readLines(s3.client, TEST_BUCKET, 'live/')).length >= 60 ? true : undefined));

    await kinesis.send(new SplitShardCommand({ StreamName: 'telemetry', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    await waitFor(async () => {
      const s = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'telemetry' }))).StreamDescriptionSummary;
      return s?.StreamStatus === 'ACTIVE' && s.OpenShardCount === 2 ? true : undefined;
    });
    const shards = await listShards(kinesis, 'telemetry');
    expect(shards.map((s) => s.ParentShardId)).toEqual([undefined, 'shardId-000000000000', 'shardId-000000000000']);
    await put(kinesis, 10, 20);

    const liveLines = await waitFor(async () => {
      const l = (await readLines(s3.client, TEST_BUCKET, 'live/')).map((x) => JSON.parse(x) as Line);
      return l.length >= 120 ? l : undefined;
    });
    for (const id of DEVICES) {
      expect(liveLines.filter((l) => l.deviceId === id).map((l) => l.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    await waitFor(async () => (live.stats().shards.find((s) => s.shardId === 'shardId-000000000000')?.status === 'finished' ? true : undefined));
    const byId = Object.fromEntries(live.stats().shards.map((s) => [s.shardId, s.status]));
    expect(byId).toEqual({ 'shardId-000000000000': 'finished', 'shardId-000000000001': 'reading', 'shardId-000000000002': 'reading' });

    // Runner B starts after the split with everything to read: the children wait for the parent, so each key's
    // readings come out in order (one object: everything is read well within its buffer interval).
    const late = await startRunner({ prefix: 'late/', deliveryStreamName: 'late', bufferIntervalS: 3 });
    const lateLines = await waitFor(async () => {
      const l = (await readLines(s3.client, TEST_BUCKET, 'late/')).map((x) => JSON.parse(x) as Line);
      return l.length >= 120 ? l : undefined;
    }, 30_000);
    expect(await listObjects(s3.client, TEST_BUCKET, 'late/')).toHaveLength(1);
    for (const id of DEVICES) {
      expect(lateLines.filter((l) => l.deviceId === id).map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    }
    expect(late.stats().recordsRead).toBe(120);
  });
});
