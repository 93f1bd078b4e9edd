/**
 * The Kinesis test endpoint in proxy mode in front of an in-process kinesalite, exercised with the real
 * @aws-sdk/client-kinesis. Stub mode and throttling: kinesis-endpoint.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { DescribeStreamCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { startKinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import type { KinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import { entries, kinesisClient, readAll, startKinesalite } from '../support/kinesis-endpoint.js';

describe('kinesis endpoint, proxy mode in front of kinesalite', () => {
  /** kinesalite + proxy with stream `proxied` (2 shards); `direct` talks to kinesalite, `via` to the proxy. */
  async function withProxy(
    fn: (ctx: { ep: KinesisEndpoint; direct: KinesisClient; via: (maxAttempts?: number) => KinesisClient }) => Promise<void>,
  ): Promise<void> {
    const upstream = await startKinesalite();
    const clients: KinesisClient[] = [];
    let ep: KinesisEndpoint | undefined;
    try {
      ep = await startKinesisEndpoint({ upstream: upstream.endpoint, streams: [{ name: 'proxied', shardCount: 2 }] });
      const endpoint = ep.endpoint;
      const direct = kinesisClient(upstream.endpoint);
      clients.push(direct);
      const via = (maxAttempts = 1): KinesisClient => {
        const c = kinesisClient(endpoint, maxAttempts);
        clients.push(c);
        return c;
      };
      await fn({ ep, direct, via });
    } finally {
      for (const c of clients) c.destroy();
      await ep?.close();
      await upstream.stop();
    }
  }

  it('forwards other actions unchanged and routes like kinesalite', async () => {
    await withProxy(async ({ ep, direct, via }) => {
      const client = via(3);
      expect(ep.mode).toBe('proxy');
      const listed = await client.send(new ListShardsCommand({ StreamName: 'proxied' }));
      expect(listed.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
      await expect(client.send(new DescribeStreamCommand({ StreamName: 'nope' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      await expect(
        client.send(new PutRecordsCommand({ StreamName: 'nope', Records: entries(1, 'x') })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      const put = await client.send(
        new PutRecordsCommand({ StreamName: 'proxied', Records: [{ PartitionKey: 'device-42', Data: Buffer.from('v') }] }),
      );
      expect(put.Records?.[0]?.ShardId).toBe('shardId-000000000001');
      const back = await readAll(direct, 'proxied');
      expect(back.map((r) => [r.shardId, r.pk, r.data])).toEqual([['shardId-000000000001', 'device-42', 'v']]);
    });
  });

  it('partial failure writes only the entries that did not fail, response in request order', async () => {
    await withProxy(async ({ ep, direct, via }) => {
      const client = via();
      let shardIdsSeen: string[] = [];
      ep.setPutRecordsFault((ctx) => {
        shardIdsSeen = ctx.entries.map((e) => e.shardId);
        return { kind: 'partial', errorCode: 'ProvisionedThroughputExceededException', failIndexes: [1, 3] };
      });
      const batch = entries(5, 'p', (i) => `device-${40 + i}`);
      const res = await client.send(new PutRecordsCommand({ StreamName: 'proxied', Records: batch }));
      expect(res.FailedRecordCount).toBe(2);
      expect(res.Records?.map((r) => r.ErrorCode ?? r.ShardId)).toEqual([
        shardIdsSeen[0],
        'ProvisionedThroughputExceededException',
        shardIdsSeen[2],
        'ProvisionedThroughputExceededException',
        shardIdsSeen[4],
      ]);
      expect(res.Records?.[1]?.ErrorMessage).toBe(
        `Rate exceeded for shard ${shardIdsSeen[1]} in stream proxied under account 000000000000.`,
      );
      expect(shardIdsSeen[2]).toBe('shardId-000000000001'); // device-42
      const back = await readAll(direct, 'proxied');
      expect(back.map((r) => r.data).sort()).toEqual(['p-0', 'p-2', 'p-4']);
      expect(ep.stats()).toMatchObject({
        entriesReceived: 5,
        entriesAccepted: 3,
        entriesFailed: { ProvisionedThroughputExceededException: 2 },
      });
    });
  });

  it('http-error fails the whole request and writes nothing', async () => {
    await withProxy(async ({ ep, direct, via }) => {
      ep.setPutRecordsFault(() => ({ kind: 'http-error', status: 500, errorType: 'InternalFailure', message: 'boom' }));
      await expect(
        via().send(new PutRecordsCommand({ StreamName: 'proxied', Records: entries(3, 'h') })),
      ).rejects.toMatchObject({ name: 'InternalFailure', message: 'boom', $metadata: { httpStatusCode: 500 } });
      ep.setPutRecordsFault(() => ({
        kind: 'http-error',
        status: 400,
        errorType: 'ProvisionedThroughputExceededException',
      }));
      await expect(
        via().send(new PutRecordsCommand({ StreamName: 'proxied', Records: entries(3, 'h') })),
      ).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
      expect(await readAll(direct, 'proxied')).toEqual([]);
      expect(ep.stats()).toMatchObject({ httpErrorsInjected: 2, entriesAccepted: 0 });
    });
  });

  it('reset-after writes the records but the client sees a network error; a retry duplicates them', async () => {
    await withProxy(async ({ ep, direct, via }) => {
      ep.setPutRecordsFault(() => ({ kind: 'reset-after' }));
      const err: unknown = await via()
        .send(new PutRecordsCommand({ StreamName: 'proxied', Records: entries(3, 'ra') }))
        .then(() => undefined, (e: unknown) => e);
      // The SDK reports the destroyed socket as a TimeoutError with code ECONNRESET ("socket hang up").
      expect(err).toMatchObject({ code: 'ECONNRESET' });
      expect((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
      expect((await readAll(direct, 'proxied')).map((r) => r.data).sort()).toEqual(['ra-0', 'ra-1', 'ra-2']);

      // With retries enabled, the SDK resends the whole request after the reset: the records land twice.
      ep.setPutRecordsFault((ctx) => (ctx.requestIndex === 0 ? { kind: 'reset-after' } : undefined));
      const retried = await via(3).send(
        new PutRecordsCommand({ StreamName: 'proxied', Records: [{ PartitionKey: 'dup', Data: Buffer.from('dup') }] }),
      );
      expect(retried.FailedRecordCount).toBe(0);
      expect((await readAll(direct, 'proxied')).filter((r) => r.data === 'dup')).toHaveLength(2);
      expect(ep.stats().resetsInjected).toBe(2);
    });
  });

  it('reset-before writes nothing and the client sees a network error', async () => {
    await withProxy(async ({ ep, direct, via }) => {
      ep.setPutRecordsFault(() => ({ kind: 'reset-before' }));
      await expect(
        via().send(new PutRecordsCommand({ StreamName: 'proxied', Records: entries(3, 'rb') })),
      ).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(await readAll(direct, 'proxied')).toEqual([]);
      expect(ep.stats()).toMatchObject({ resetsInjected: 1, entriesAccepted: 0 });
    });
  });

  it('throttles in proxy mode too, forwarding only admitted entries', async () => {
    await withProxy(async ({ ep, direct, via }) => {
      ep.throttle({ recordsPerSecond: 2 });
      // The shared clock is the default one here; 5 records within microseconds leave room for exactly 2.
      const res = await via().send(
        new PutRecordsCommand({ StreamName: 'proxied', Records: entries(5, 'thr', () => 'device-42') }),
      );
      expect(res.FailedRecordCount).toBe(3);
      expect(res.Records?.map((r) => r.ErrorCode ?? 'ok')).toEqual([
        'ok', 'ok', 'ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException',
        'ProvisionedThroughputExceededException',
      ]);
      expect((await readAll(direct, 'proxied')).map((r) => r.data)).toEqual(['thr-0', 'thr-1']);
    });
  });
});
