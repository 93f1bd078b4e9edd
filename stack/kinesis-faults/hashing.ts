/** Partition key → hash key → shard routing, shared by stub and proxy mode. */
import { createHash } from 'node:crypto';

/** Largest hash key: 2^128 − 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** MD5 of the partition key's UTF-8 bytes, read as an unsigned 128-bit big-endian integer (what Kinesis does). */
export function hashKeyForPartitionKey(pk: string): bigint {
  const digest = createHash('md5').update(pk, 'utf8').digest();
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
}

/** `shardId-000000000007` for index 7. */
export function formatShardId(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/**
 * Splits the hash key space into `shardCount` ranges the way kinesalite does: shard i starts at i × floor(2^128 / N),
 * the last one ends at 2^128 − 1 (so it absorbs the rounding remainder).
 */
export function splitHashRange(shardCount: number): Array<{ start: bigint; end: bigint }> {
  const step = (MAX_HASH_KEY + 1n) / BigInt(shardCount);
  const ranges: Array<{ start: bigint; end: bigint }> = [];
  for (let i = 0; i < shardCount; i++) {
    const start = BigInt(i) * step;
    const end = i === shardCount - 1 ? MAX_HASH_KEY : start + step - 1n;
    ranges.push({ start, end });
  }
  return ranges;
}

/** An open shard as the router needs it. */
export interface ShardRange {
  readonly shardId: string;
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Above this many cached partition keys the cache is dropped and refilled: far cheaper than true LRU bookkeeping,
 * and device-id style keys (the common case) fit comfortably.
 */
const PK_CACHE_LIMIT = 100_000;

/**
 * Routes entries to the open shard whose inclusive [start, end] contains the hash key.
 * MD5 + BigInt per record is the dominant cost at benchmark rates, so results are cached per partition key.
 */
export class ShardRouter<S extends ShardRange> {
  private readonly sorted: readonly S[];
  private readonly byPartitionKey = new Map<string, S>();

  /** @param openShards the shards that accept writes (closed parents after a reshard must be left out). */
  constructor(openShards: readonly S[]) {
    this.sorted = [...openShards].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  get shardCount(): number {
    return this.sorted.length;
  }

  /** The shard for a partition key, or for an explicit hash key when one is given; `undefined` if no shard covers it. */
  route(partitionKey: string, explicitHashKey?: bigint): S | undefined {
    if (explicitHashKey !== undefined) return this.shardForHash(explicitHashKey);
    const cached = this.byPartitionKey.get(partitionKey);
    if (cached !== undefined) return cached;
    const shard = this.shardForHash(hashKeyForPartitionKey(partitionKey));
    if (shard !== undefined) {
      if (this.byPartitionKey.size >= PK_CACHE_LIMIT) this.byPartitionKey.clear();
      this.byPartitionKey.set(partitionKey, shard);
    }
    return shard;
  }

  private shardForHash(hash: bigint): S | undefined {
    // Binary search for the last shard starting at or before `hash`; open shards do not overlap.
    let lo = 0;
    let hi = this.sorted.length - 1;
    let found: S | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const shard = this.sorted[mid];
      if (shard === undefined) break;
      if (shard.start <= hash) {
        found = shard;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found !== undefined && hash <= found.end ? found : undefined;
  }
}
