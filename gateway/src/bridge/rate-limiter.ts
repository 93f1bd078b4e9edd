/**
 * Per-shard write limits with token buckets (records and bytes), adapted to what the service says: a throttled
 * shard's rate is halved, and wins back `recoveryPerSecond` of the full rate per second without throttling
 * (AIMD over time, not per record: aggregated records are few, so per-record recovery would crawl). A hot shard
 * slows down alone and never triggers a retry storm, while the other shards keep their full rate.
 */
export interface ShardRateLimiterOptions {
  /** Records per second per shard at full rate. Kinesis: 1,000. */
  recordsPerSecond: number;
  /** Bytes per second per shard at full rate. Kinesis: 1 MiB. */
  bytesPerSecond: number;
  /** Share of the limits the gateway aims for, (0, 1]. Default 1. */
  headroom?: number;
  /** Bucket depth in seconds of full rate. Default 1. */
  burstSeconds?: number;
  /** Share of the full rate a throttled shard wins back per second. Default 0.5. */
  recoveryPerSecond?: number;
  /** Lowest share of the full rate after throttling. Default 0.05. */
  minFactor?: number;
  /**
   * Smallest byte bucket depth: at least the largest record, or a record bigger than the burst could never be
   * sent. Default 0.
   */
  minBurstBytes?: number;
  now?: () => number;
}

interface Bucket {
  records: number;
  bytes: number;
  at: number;
  factor: number;
}

export interface ShardRateLimiter {
  /** Depth of each byte bucket. */
  readonly depthBytes: number;
  /** Tokens available to `key` now. */
  available(key: string): { records: number; bytes: number };
  consume(key: string, records: number, bytes: number): void;
  /** When `key` will have at least one record and `bytes` bytes of tokens (ms since epoch of `now`). */
  readyAt(key: string, bytes: number): number;
  onThrottle(key: string): void;
  /** Current share of the full rate per key, for metrics. */
  factors(): Map<string, number>;
}

export function createShardRateLimiter(options: ShardRateLimiterOptions): ShardRateLimiter {
  const headroom = options.headroom ?? 1;
  const burst = options.burstSeconds ?? 1;
  const minFactor = options.minFactor ?? 0.05;
  const recovery = options.recoveryPerSecond ?? 0.5;
  const now = options.now ?? Date.now;
  const rps = options.recordsPerSecond * headroom;
  const bps = options.bytesPerSecond * headroom;
  const depthRecords = rps * burst;
  const depthBytes = Math.max(bps * burst, options.minBurstBytes ?? 0);
  const buckets = new Map<string, Bucket>();

  function bucket(key: string): Bucket {
    let b = buckets.get(key);
    const at = now();
    if (b === undefined) {
      b = { records: depthRecords, bytes: depthBytes, at, factor: 1 };
      buckets.set(key, b);
      return b;
    }
    const elapsed = Math.max(0, at - b.at) / 1000;
    b.records = Math.min(depthRecords, b.records + elapsed * rps * b.factor);
    b.bytes = Math.min(depthBytes, b.bytes + elapsed * bps * b.factor);
    // Recovery after the refill: the interval was spent at the rate in force during it.
    if (b.factor < 1) b.factor = Math.min(1, b.factor + elapsed * recovery);
    b.at = at;
    return b;
  }

  return {
    depthBytes,
    available(key) {
      const b = bucket(key);
      return { records: b.records, bytes: b.bytes };
    },
    consume(key, records, bytes) {
      const b = bucket(key);
      b.records -= records;
      b.bytes -= bytes;
    },
    readyAt(key, bytes) {
      const b = bucket(key);
      const needRecords = Math.max(0, 1 - b.records) / (rps * b.factor);
      const needBytes = Math.max(0, Math.min(bytes, depthBytes) - b.bytes) / (bps * b.factor);
      return b.at + Math.ceil(Math.max(needRecords, needBytes) * 1000);
    },
    onThrottle(key) {
      const b = bucket(key);
      b.factor = Math.max(minFactor, b.factor / 2);
      // What the service refused is gone from its bucket too: start refilling from empty.
      b.records = Math.min(b.records, 0);
      b.bytes = Math.min(b.bytes, 0);
    },
    factors() {
      return new Map([...buckets.keys()].map((k) => [k, bucket(k).factor]));
    },
  };
}
