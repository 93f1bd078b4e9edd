import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Shard } from '@aws-sdk/client-kinesis';
import { createLogger } from '../../common/logger.js';
import { createShardMap, findShard, hashKeyOf, openRanges } from '../../gateway/src/sinks/kinesis/shard-map.js';
import { streamName, streamTarget } from '../../common/aws/stream-ref.js';
import { startKinesisEndpoint, type KinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import { testKinesisClient } from '../support/kinesis.js';

const logger = createLogger({ level: 'silent' });

describe('partition key → shard', () => {
  it('hashes like Kinesis: MD5 as an unsigned 128-bit big-endian integer (reference test vector)', () => {
    expect(hashKeyOf('device-42')).toBe(223081048512968852806315647540369465148n);
    const half = 2n ** 127n;
    const ranges = openRanges([
      { ShardId: 'shardId-000000000000', HashKeyRange: { StartingHashKey: '0', EndingHashKey: String(half - 1n) }, SequenceNumberRange: { StartingSequenceNumber: '1' } },
      { ShardId: 'shardId-000000000001', HashKeyRange: { StartingHashKey: String(half), EndingHashKey: String(2n ** 128n - 1n) }, SequenceNumberRange: { StartingSequenceNumber: '1' } },
    ]);
    expect(findShard(ranges, hashKeyOf('device-42'))).toBe('shardId-000000000001');
    expect(findShard(ranges, 0n)).toBe('shardId-000000000000');
    expect(findShard(ranges, 2n ** 128n - 1n)).toBe('shardId-000000000001');
  });

  it('ignores closed shards (parents of a reshard keep an EndingSequenceNumber)', () => {
    const shards: Shard[] = [
      { ShardId: 'p', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '99' }, SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '5' } },
      { ShardId: 'a', HashKeyRange: { StartingHashKey: '50', EndingHashKey: '99' }, SequenceNumberRange: { StartingSequenceNumber: '6' } },
      { ShardId: 'b', HashKeyRange: { StartingHashKey: '0', EndingHashKey: '49' }, SequenceNumberRange: { StartingSequenceNumber: '6' } },
    ];
    const ranges = openRanges(shards);
    expect(ranges.map((r) => r.shardId)).toEqual(['b', 'a']);
    expect(findShard(ranges, 49n)).toBe('b');
    expect(findShard(ranges, 50n)).toBe('a');
    expect(findShard(ranges, 100n)).toBeUndefined();
  });

  it('addresses streams by name or ARN', () => {
    const arn = 'arn:aws:kinesis:eu-west-1:123456789012:stream/telemetry';
    expect(streamName(arn)).toBe('telemetry');
    expect(streamTarget(arn)).toEqual({ StreamName: 'telemetry', StreamARN: arn });
    expect(streamTarget('telemetry')).toEqual({ StreamName: 'telemetry' });
  });
});

describe('shard map against a Kinesis API (real SDK)', () => {
  let endpoint: KinesisEndpoint;
  beforeAll(async () => {
    endpoint = await startKinesisEndpoint({ streams: [{ name: 'many', shardCount: 10 }] });
  });
  afterAll(async () => endpoint?.close());

  it('walks every ListShards page and predicts the shard the service routes to', async () => {
    const client = testKinesisClient(endpoint.endpoint);
    try {
      const map = createShardMap({ client, stream: 'many', logger, pageSize: 3 });
      let changes = 0;
      map.onChange(() => changes++);
      await map.refresh('test');
      expect(map.openShards).toHaveLength(10);
      expect(changes).toBe(1);
      const keys = Array.from({ length: 200 }, (_, i) => `dev-${i}`);
      const { PutRecordsCommand } = await import('@aws-sdk/client-kinesis');
      const out = await client.send(new PutRecordsCommand({ StreamName: 'many', Records: keys.map((k) => ({ PartitionKey: k, Data: Buffer.from('x') })) }));
      out.Records?.forEach((r, i) => expect(r.ShardId).toBe(map.shardFor(keys[i]!)));
      await map.refresh('again');
      expect(changes).toBe(1); // unchanged shards: no change event
    } finally {
      client.destroy();
    }
  });
});
