import { Agent } from 'node:http';
import { createHash } from 'node:crypto';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { deaggregate, isAggregated } from '../../common/kpl/index.js';

/** A plain SDK client for reading back what the gateway wrote (HTTP/1.1: local servers reject HTTP/2). */
export function testKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true }) }),
  });
}

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

export async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new ListShardsCommand(token === undefined ? { StreamName: stream } : { NextToken: token }),
    );
    shards.push(...(out.Shards ?? []));
    token = out.NextToken;
  } while (token !== undefined);
  return shards;
}

export interface RawRecord {
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  data: Buffer;
}

/** Reads every Kinesis record of every shard from TRIM_HORIZON, as stored (aggregated records stay whole). */
export async function readRawStream(client: KinesisClient, stream: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for (const shard of await listShards(client, stream)) {
    const shardId = shard.ShardId as string;
    let iterator = (
      await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        out.push({
          shardId,
          partitionKey: r.PartitionKey as string,
          sequenceNumber: r.SequenceNumber as string,
          data: Buffer.from(r.Data ?? new Uint8Array()),
        });
      }
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
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
