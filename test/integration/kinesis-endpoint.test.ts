/**
 * The Kinesis test endpoint, exercised with the real @aws-sdk/client-kinesis: stub mode, and throttling with an
 * injected clock. Proxy mode in front of kinesalite: kinesis-endpoint-proxy.test.ts.
 */
import { describe, it, expect } from 'vitest';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import type { PutRecordsRequestEntry, _Record } from '@aws-sdk/client-kinesis';
import { hashKeyForPartitionKey, streamArn } from '../../stack/kinesis-faults/index.js';
import { entries, expectedShard, kinesisClient, readAll, TWO_128, withEndpoint } from '../support/kinesis-endpoint.js';

describe('kinesis endpoint, stub mode', () => {
  it('creates, describes, lists (paginated), puts and reads records back', async () => {
    await withEndpoint({ streams: [{ name: 'preset', shardCount: 3 }] }, async (_ep, client) => {
      await client.send(new CreateStreamCommand({ StreamName: 'made', ShardCount: 5 }));

      const description = (await client.send(new DescribeStreamCommand({ StreamName: 'made' }))).StreamDescription;
      expect(description?.StreamStatus).toBe('ACTIVE');
      expect(description?.StreamARN).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/made');
      const shards = description?.Shards ?? [];
      expect(shards.map((s) => s.ShardId)).toEqual([0, 1, 2, 3, 4].map((i) => `shardId-00000000000${i}`));
      const step = TWO_128 / 5n;
      shards.forEach((s, i) => expect(BigInt(s.HashKeyRange?.StartingHashKey ?? '-1')).toBe(BigInt(i) * step));
      expect(shards[4]?.HashKeyRange?.EndingHashKey).toBe((TWO_128 - 1n).toString());

      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          token === undefined ? new ListShardsCommand({ StreamName: 'made', MaxResults: 2 }) : new ListShardsCommand({ NextToken: token, MaxResults: 2 }),
        );
        pages.push((page.Shards ?? []).map((s) => s.ShardId ?? ''));
        token = page.NextToken;
      } while (token !== undefined);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(shards.map((s) => s.ShardId));

      const streams = await client.send(new ListStreamsCommand({ Limit: 1 }));
      expect(streams.StreamNames).toEqual(['made']);
      expect(streams.HasMoreStreams).toBe(true);
      const rest = await client.send(new ListStreamsCommand({ NextToken: streams.NextToken }));
      expect(rest.StreamNames).toEqual(['preset']);

      const batch = entries(200, 'rec');
      const put = await client.send(new PutRecordsCommand({ StreamName: 'made', Records: batch }));
      expect(put.FailedRecordCount).toBe(0);
      batch.forEach((e, i) => expect(put.Records?.[i]?.ShardId).toBe(expectedShard(e.PartitionKey ?? '', 5)));

      const back = await readAll(client, 'made');
      expect(back).toHaveLength(200);
      for (const r of back) expect(r.shardId).toBe(expectedShard(r.pk, 5));
      // Per shard, records come back in write order with increasing sequence numbers.
      for (const shard of shards) {
        const mine = back.filter((r) => r.shardId === shard.ShardId);
        const written = batch.filter((e) => expectedShard(e.PartitionKey ?? '', 5) === shard.ShardId);
        expect(mine.map((r) => r.pk)).toEqual(written.map((e) => e.PartitionKey));
        for (let i = 1; i < mine.length; i++) expect(BigInt(mine[i]?.seq ?? '0') > BigInt(mine[i - 1]?.seq ?? '0')).toBe(true);
        for (const r of mine) expect(r.seq).toMatch(/^(0|[1-9]\d{0,128})$/);
      }
      expect(back.find((r) => r.pk === 'rec-pk-7')?.data).toBe('rec-7');
    });
  });

  it('routes by MD5 like Kinesis (test vector device-42 → shard 1 of 2) and honours ExplicitHashKey', async () => {
    expect(hashKeyForPartitionKey('device-42')).toBe(0xa7d3d8dde1a94258da084d4cb74a9f3cn);
    expect(hashKeyForPartitionKey('device-42')).toBe(223081048512968852806315647540369465148n);
    await withEndpoint({ streams: [{ name: 'two', shardCount: 2 }] }, async (_ep, client) => {
      const single = await client.send(
        new PutRecordCommand({ StreamName: 'two', PartitionKey: 'device-42', Data: Buffer.from('x') }),
      );
      expect(single.ShardId).toBe('shardId-000000000001');
      const batch = await client.send(
        new PutRecordsCommand({
          StreamName: 'two',
          Records: [
            { PartitionKey: 'device-42', Data: Buffer.from('a') },
            { PartitionKey: 'device-42', Data: Buffer.from('b'), ExplicitHashKey: '0' },
            { PartitionKey: 'device-42', Data: Buffer.from('c'), ExplicitHashKey: ((1n << 127n) - 1n).toString() },
            { PartitionKey: 'device-42', Data: Buffer.from('d'), ExplicitHashKey: (1n << 127n).toString() },
          ],
        }),
      );
      expect(batch.Records?.map((r) => r.ShardId)).toEqual([
        'shardId-000000000001',
        'shardId-000000000000',
        'shardId-000000000000',
        'shardId-000000000001',
      ]);
      // Sequence numbers keep increasing on shard 1 across PutRecord and PutRecords.
      expect(BigInt(batch.Records?.[0]?.SequenceNumber ?? '0') > BigInt(single.SequenceNumber ?? '0')).toBe(true);
    });
  });

  it('addresses streams by ARN on every action', async () => {
    await withEndpoint({ streams: [{ name: 'by-arn', shardCount: 2 }] }, async (_ep, client) => {
      const StreamARN = streamArn('by-arn');
      expect(StreamARN).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/by-arn');
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamARN }));
      expect(summary.StreamDescriptionSummary?.StreamName).toBe('by-arn');
      expect(summary.StreamDescriptionSummary?.OpenShardCount).toBe(2);
      expect((await client.send(new ListShardsCommand({ StreamARN }))).Shards).toHaveLength(2);
      const put = await client.send(new PutRecordsCommand({ StreamARN, Records: entries(4, 'arn') }));
      expect(put.FailedRecordCount).toBe(0);
      await client.send(new PutRecordCommand({ StreamARN, PartitionKey: 'device-42', Data: Buffer.from('one') }));
      const iterator = await client.send(
        new GetShardIteratorCommand({ StreamARN, ShardId: 'shardId-000000000001', ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const records = await client.send(new GetRecordsCommand({ StreamARN, ShardIterator: iterator.ShardIterator }));
      expect(records.Records?.map((r) => r.PartitionKey)).toContain('device-42');
    });
  });

  it('answers AWS-shaped errors that the SDK raises as named exceptions', async () => {
    await withEndpoint({ streams: [{ name: 's', shardCount: 1 }], maxRecordBytes: 100 }, async (_ep, client) => {
      const one = (over: Partial<PutRecordsRequestEntry>): PutRecordsRequestEntry => ({
        PartitionKey: 'pk',
        Data: Buffer.from('d'),
        ...over,
      });
      const put = (records: PutRecordsRequestEntry[], StreamName = 's') =>
        client.send(new PutRecordsCommand({ StreamName, Records: records }));

      await expect(put([one({})], 'missing')).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'Stream missing under account 000000000000 not found.',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(client.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 1 }))).rejects.toMatchObject({
        name: 'ResourceInUseException',
      });
      await expect(put(Array.from({ length: 501 }, () => one({})))).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(put([])).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(put([one({ PartitionKey: 'k'.repeat(257) })])).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(put([one({ PartitionKey: '' })])).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(put([one({ Data: Buffer.alloc(101) })])).rejects.toMatchObject({ name: 'ValidationException' });
      // Data alone fits, data + partition key does not.
      await expect(put([one({ Data: Buffer.alloc(99) })])).rejects.toMatchObject({ name: 'InvalidArgumentException' });
      await expect(put([one({ ExplicitHashKey: TWO_128.toString() })])).rejects.toMatchObject({
        name: 'InvalidArgumentException',
      });
      await expect(put([one({ ExplicitHashKey: '-1' })])).rejects.toMatchObject({ name: 'ValidationException' });
      // Exactly at the limit is fine: 98 bytes of data + 2 bytes of key.
      expect((await put([one({ Data: Buffer.alloc(98) })])).FailedRecordCount).toBe(0);
    });
  });

  it('applies faults and counts without retaining when retain is false', async () => {
    await withEndpoint({ streams: [{ name: 'bench', shardCount: 2 }], retain: false }, async (ep, client) => {
      const seen: number[] = [];
      ep.setPutRecordsFault((ctx) => {
        seen.push(ctx.requestIndex);
        expect(ctx.entries[0]?.data.toString()).toMatch(/^b-/);
        return ctx.requestIndex === 0 ? { kind: 'partial', errorCode: 'InternalFailure', failRatio: 0.25 } : undefined;
      });
      const first = await client.send(new PutRecordsCommand({ StreamName: 'bench', Records: entries(8, 'b') }));
      expect(first.FailedRecordCount).toBe(2);
      expect(first.Records?.map((r) => r.ErrorCode ?? 'ok')).toEqual([
        'ok', 'ok', 'ok', 'InternalFailure', 'ok', 'ok', 'ok', 'InternalFailure',
      ]);
      expect(first.Records?.[3]).toMatchObject({ ErrorMessage: 'Internal service failure.' });
      expect(first.Records?.[3]?.SequenceNumber).toBeUndefined();
      await client.send(new PutRecordsCommand({ StreamName: 'bench', Records: entries(8, 'b') }));
      expect(seen).toEqual([0, 1]);

      const stats = ep.stats();
      expect(stats).toMatchObject({
        requests: 2,
        entriesReceived: 16,
        entriesAccepted: 14,
        entriesFailed: { InternalFailure: 2 },
      });
      const perShard = Object.values(stats.shards);
      expect(perShard.reduce((n, s) => n + s.entriesAccepted, 0)).toBe(14);
      expect(stats.bytesAccepted).toBeGreaterThan(0);
      expect(await readAll(client, 'bench')).toEqual([]);
      ep.resetStats();
      expect(ep.stats().entriesReceived).toBe(0);
    });
  });
  it('adds latencyMs to every put and delays a request on a delay fault', async () => {
    await withEndpoint({ streams: [{ name: 'slow', shardCount: 1 }], latencyMs: 40 }, async (ep, client) => {
      const put = () => client.send(new PutRecordsCommand({ StreamName: 'slow', Records: entries(2, 'l') }));
      let started = performance.now();
      await put();
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
      ep.setPutRecordsFault(() => ({ kind: 'delay', ms: 80 }));
      started = performance.now();
      expect((await put()).FailedRecordCount).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(110);
      // Non-put actions are not slowed down.
      started = performance.now();
      await client.send(new DescribeStreamSummaryCommand({ StreamName: 'slow' }));
      expect(performance.now() - started).toBeLessThan(35);
    });
  });
});

describe('kinesis endpoint, throttling', () => {
  it('3000 records to one shard: accepted ≈ bucket capacity, the rest fail with PTE in a HTTP 200', async () => {
    let now = 0;
    await withEndpoint({ streams: [{ name: 'hot', shardCount: 2 }], now: () => now }, async (ep, client) => {
      ep.throttle({});
      let accepted = 0;
      let throttled = 0;
      for (let b = 0; b < 6; b++) {
        const res = await client.send(
          new PutRecordsCommand({ StreamName: 'hot', Records: entries(500, `h${b}`, () => 'device-42') }),
        );
        for (const r of res.Records ?? []) {
          if (r.ErrorCode === undefined) accepted++;
          else {
            throttled++;
            expect(r.ErrorCode).toBe('ProvisionedThroughputExceededException');
            expect(r.ErrorMessage).toBe(
              'Rate exceeded for shard shardId-000000000001 in stream hot under account 000000000000.',
            );
          }
        }
      }
      // The clock did not move: exactly the burst capacity (1000 records × 1 s) got in.
      expect(accepted).toBe(1000);
      expect(throttled).toBe(2000);
      expect(ep.stats().shards['hot/shardId-000000000001']).toMatchObject({
        entriesReceived: 3000,
        entriesAccepted: 1000,
        entriesFailed: { ProvisionedThroughputExceededException: 2000 },
        requests: 6,
      });

      // 250 ms of refill admits 250 more; the other shard has its own, full bucket.
      now += 250;
      const mixed = await client.send(
        new PutRecordsCommand({
          StreamName: 'hot',
          Records: [
            ...entries(300, 'late', () => 'device-42'),
            { PartitionKey: 'other', Data: Buffer.from('o'), ExplicitHashKey: '0' },
          ],
        }),
      );
      expect(mixed.FailedRecordCount).toBe(50);
      expect(mixed.Records?.[300]?.ShardId).toBe('shardId-000000000000');
      expect(mixed.Records?.slice(0, 250).every((r) => r.ErrorCode === undefined)).toBe(true);

      // PutRecord has no partial result: throttling is a whole-request 400.
      const single = kinesisClient(ep.endpoint, 1);
      try {
        await expect(
          single.send(new PutRecordCommand({ StreamName: 'hot', PartitionKey: 'device-42', Data: Buffer.from('s') })),
        ).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
      } finally {
        single.destroy();
      }

      ep.throttle(undefined);
      const free = await client.send(new PutRecordsCommand({ StreamName: 'hot', Records: entries(500, 'free') }));
      expect(free.FailedRecordCount).toBe(0);
    });
  });

  it('limits bytes per shard as well as records', async () => {
    let now = 0;
    await withEndpoint({ streams: [{ name: 'bytes', shardCount: 1 }], now: () => now }, async (ep, client) => {
      ep.throttle({ bytesPerSecond: 10_000, burstSeconds: 2 });
      // 98 bytes of data + 2 bytes of key = 100 bytes per record; capacity 20 000 bytes = 200 records.
      const records = Array.from({ length: 300 }, () => ({ PartitionKey: 'pk', Data: Buffer.alloc(98) }));
      const res = await client.send(new PutRecordsCommand({ StreamName: 'bytes', Records: records }));
      expect(res.FailedRecordCount).toBe(100);
      expect(ep.stats().bytesAccepted).toBe(20_000);
      now += 1000;
      const again = await client.send(new PutRecordsCommand({ StreamName: 'bytes', Records: records }));
      expect(again.FailedRecordCount).toBe(200);
    });
  });
});
