/**
 * Reads back what the gateway wrote to a Kinesis API endpoint (the stub, the embedded server, the compose stack),
 * through the AWS SDK as a consumer would: for tests and benchmarks.
 */
import { Agent } from 'node:http';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** A plain SDK client for reading back what the gateway wrote (HTTP/1.1: local servers reject HTTP/2). */
export function testKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true }) }),
  });
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

export interface ReadOptions {
  /**
   * GetRecords page size. Default 10,000 (the API's most); a benchmark reading 1 MiB aggregates asks for fewer, so
   * one JSON response stays small.
   */
  pageLimit?: number;
}

/** Every Kinesis record of every shard from TRIM_HORIZON, as stored (aggregated records stay whole), shard by shard. */
export async function readRawStream(client: KinesisClient, stream: string, options: ReadOptions = {}): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for (const shard of await listShards(client, stream)) {
    const shardId = shard.ShardId as string;
    let iterator = (
      await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.pageLimit ?? 10_000 }));
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
