import { createHash } from 'node:crypto';
import { ListShardsCommand, type KinesisClient, type ListShardsCommandInput, type Shard } from '@aws-sdk/client-kinesis';
import type { Logger } from '../../../../common/logger.js';
import { classifyKinesisError } from './errors.js';
import { streamTarget } from '../../../../common/aws/stream-ref.js';

export interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
}

export interface ShardMapOptions {
  client: KinesisClient;
  /** Stream name or ARN. */
  stream: string;
  logger: Logger;
  /** Device ids whose shard is remembered; the cache is cleared when full. Default 200,000. */
  cacheSize?: number;
  /** ListShards page size. Default 1,000. */
  pageSize?: number;
  /** Refreshes are at least this far apart, ms, so a burst of mismatches costs one ListShards. Default 1,000. */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

/**
 * Which open shard each partition key lands on: MD5 of the key's UTF-8 bytes as an unsigned 128-bit big-endian
 * integer, inside the shard's inclusive [StartingHashKey, EndingHashKey] (Kinesis Developer Guide, "Kinesis Data
 * Streams terminology"; the byte order is the emulators', see common/aws/README.md §1). The map is loaded with
 * ListShards (paginated) and refreshed when the stream changes.
 */
export interface ShardMap {
  /** Loads the map; resolves when it is current. Concurrent calls share one ListShards walk. */
  refresh(reason: string): Promise<void>;
  /** Requests a refresh unless one ran recently; `onChange` listeners run if the open shards changed. */
  requestRefresh(reason: string): void;
  /** The open shard owning `partitionKey`; `undefined` before the first load. */
  shardFor(partitionKey: string): string | undefined;
  readonly openShards: readonly ShardRange[];
  /** Called after a refresh that changed the set of open shards. */
  onChange(listener: () => void): void;
}

export function hashKeyOf(partitionKey: string): bigint {
  return BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
}

/** Open shards: those without an EndingSequenceNumber (a closed parent keeps one after a reshard). */
export function openRanges(shards: readonly Shard[]): ShardRange[] {
  return shards
    .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .map((s) => ({
      shardId: s.ShardId as string,
      start: BigInt(s.HashKeyRange?.StartingHashKey ?? '0'),
      end: BigInt(s.HashKeyRange?.EndingHashKey ?? '0'),
    }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** Binary search over sorted, non-overlapping ranges. */
export function findShard(ranges: readonly ShardRange[], hash: bigint): string | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as ShardRange;
    if (hash < r.start) hi = mid - 1;
    else if (hash > r.end) lo = mid + 1;
    else return r.shardId;
  }
  return undefined;
}

export function createShardMap(options: ShardMapOptions): ShardMap {
  const { client, logger } = options;
  const cacheSize = options.cacheSize ?? 200_000;
  const minInterval = options.minRefreshIntervalMs ?? 1000;
  const now = options.now ?? Date.now;
  let ranges: ShardRange[] = [];
  const cache = new Map<string, string>();
  const listeners: (() => void)[] = [];
  let inFlight: Promise<void> | undefined;
  let lastRefreshAt = -Infinity;

  async function load(): Promise<ShardRange[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      // With a NextToken, ListShards must not also name the stream.
      const input: ListShardsCommandInput =
        token === undefined
          ? { ...streamTarget(options.stream), MaxResults: options.pageSize ?? 1000 }
          : { NextToken: token, MaxResults: options.pageSize ?? 1000 };
      try {
        const out = await client.send(new ListShardsCommand(input));
        shards.push(...(out.Shards ?? []));
        token = out.NextToken;
      } catch (err) {
        throw classifyKinesisError(err, 'ListShards');
      }
    } while (token !== undefined);
    return openRanges(shards);
  }

  function refresh(reason: string): Promise<void> {
    if (inFlight !== undefined) return inFlight;
    lastRefreshAt = now();
    inFlight = load()
      .then((next) => {
        const changed =
          next.length !== ranges.length || next.some((r, i) => r.shardId !== ranges[i]?.shardId);
        ranges = next;
        cache.clear();
        if (changed) {
          logger.info({ reason, openShards: next.map((r) => r.shardId) }, 'shard map loaded');
          for (const l of listeners) l();
        }
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  return {
    refresh,
    requestRefresh(reason) {
      if (inFlight !== undefined || now() - lastRefreshAt < minInterval) return;
      refresh(reason).catch((err: unknown) => logger.warn({ err: (err as Error).message, reason }, 'shard map refresh failed'));
    },
    shardFor(partitionKey) {
      const hit = cache.get(partitionKey);
      if (hit !== undefined) return hit;
      const shard = findShard(ranges, hashKeyOf(partitionKey));
      if (shard !== undefined) {
        if (cache.size >= cacheSize) cache.clear();
        cache.set(partitionKey, shard);
      }
      return shard;
    },
    get openShards() {
      return ranges;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
