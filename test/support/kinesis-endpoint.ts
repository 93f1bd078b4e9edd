/**
 * Helpers of the fault-injecting Kinesis endpoint's integration tests (test/integration/kinesis-endpoint*.test.ts):
 * an SDK client, an endpoint with a client closed after use, an in-process kinesalite, records, and reading a
 * stream back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { PutRecordsRequestEntry, _Record } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import { hashKeyForPartitionKey, startKinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import type { KinesisEndpoint, KinesisEndpointOptions } from '../../stack/kinesis-faults/index.js';

export const TWO_128 = 1n << 128n;

export function kinesisClient(endpoint: string, maxAttempts = 3): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
    // The SDK's default HTTP/2 handler fails against plain HTTP/1.1 servers.
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
}

/** Runs `fn` with an endpoint and a client, closing both afterwards. */
export async function withEndpoint(
  options: KinesisEndpointOptions,
  fn: (ep: KinesisEndpoint, client: KinesisClient) => Promise<void>,
): Promise<void> {
  const ep = await startKinesisEndpoint(options);
  const client = kinesisClient(ep.endpoint);
  try {
    await fn(ep, client);
  } finally {
    client.destroy();
    await ep.close();
  }
}

/** Starts kinesalite on a free port; `stop` closes it with every socket. */
export async function startKinesalite(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const server = kinesalite({ createStreamMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export function entries(n: number, prefix: string, pk: (i: number) => string = (i) => `${prefix}-pk-${i}`): PutRecordsRequestEntry[] {
  return Array.from({ length: n }, (_, i) => ({ PartitionKey: pk(i), Data: Buffer.from(`${prefix}-${i}`) }));
}

/** Every record of every shard, read back with TRIM_HORIZON iterators, as `{ shardId, pk, data, seq }`. */
export async function readAll(
  client: KinesisClient,
  streamName: string,
): Promise<Array<{ shardId: string; pk: string; data: string; seq: string }>> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const out: Array<{ shardId: string; pk: string; data: string; seq: string }> = [];
  for (const shard of shards) {
    const shardId = shard.ShardId ?? '';
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    for (;;) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const records: _Record[] = page.Records ?? [];
      for (const r of records) {
        out.push({
          shardId,
          pk: r.PartitionKey ?? '',
          data: Buffer.from(r.Data ?? new Uint8Array()).toString(),
          seq: r.SequenceNumber ?? '',
        });
      }
      iterator = page.NextShardIterator;
      if (records.length === 0 || iterator === undefined) break;
    }
  }
  return out;
}

/** The shard a key routes to among `n` evenly split shards, computed independently of the endpoint's router. */
export function expectedShard(pk: string, n: number): string {
  const step = TWO_128 / BigInt(n);
  const index = Math.min(n - 1, Number(hashKeyForPartitionKey(pk) / step));
  return `shardId-${String(index).padStart(12, '0')}`;
}
