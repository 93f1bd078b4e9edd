import { createHash } from 'node:crypto';
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { deaggregate, isAggregated } from '../../common/kpl/index.js';
import { readRawStream } from '../../stack/harness/stream-reader.js';

// The SDK-level readers live with the other local-stack tools (benchmarks use them too); the test-side decoding is here.
export { listShards, readRawStream, testKinesisClient, type RawRecord } from '../../stack/harness/stream-reader.js';

export interface StoredRecord {
  shardId: string;
  /** The Kinesis record's partition key (for an aggregated record: its outer key). */
  outerPartitionKey: string;
  /** The user record's partition key. */
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  data: Buffer;
  aggregated: boolean;
}

/** Reads every user record of every shard, deaggregating KPL records with our decoder (MD5 verified). */
export async function readStream(client: KinesisClient, stream: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const raw of await readRawStream(client, stream)) {
    const aggregated = isAggregated(raw.data);
    for (const user of deaggregate(raw.data, raw.partitionKey)) {
      out.push({
        shardId: raw.shardId,
        outerPartitionKey: raw.partitionKey,
        partitionKey: user.partitionKey,
        sequenceNumber: raw.sequenceNumber,
        ...(user.subSequenceNumber === undefined ? {} : { subSequenceNumber: user.subSequenceNumber }),
        data: user.data,
        aggregated,
      });
    }
  }
  return out;
}

/** The open shard whose hash-key range holds MD5(partitionKey). */
export function owningShard(shards: readonly Shard[], partitionKey: string): string | undefined {
  const hash = BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
  const owner = shards.find(
    (s) =>
      s.SequenceNumberRange?.EndingSequenceNumber === undefined &&
      BigInt(s.HashKeyRange?.StartingHashKey ?? '0') <= hash &&
      hash <= BigInt(s.HashKeyRange?.EndingHashKey ?? '0'),
  );
  return owner?.ShardId;
}

export interface TelemetryRecord {
  deviceId: string;
  epoch: number;
  seq: number;
  receivedAt: number;
  reading: Record<string, unknown>;
}

export function parseRecord(r: StoredRecord): TelemetryRecord {
  return JSON.parse(r.data.toString('utf8')) as TelemetryRecord;
}
