/** Per-shard write throttling with token buckets, modelled on the AWS shard limits (1000 records/s, 1 MiB/s). */
import type { ThrottleOptions } from './types.js';

interface Bucket {
  records: number;
  bytes: number;
  /** Clock reading of the last refill. */
  at: number;
}

/**
 * One record bucket and one byte bucket per shard, refilled continuously. An entry is admitted only if both buckets
 * hold enough tokens; a rejected entry consumes nothing, so a later, smaller entry of the same request may still pass.
 */
export class ShardThrottler {
  private readonly recordsPerMs: number;
  private readonly bytesPerMs: number;
  private readonly recordCapacity: number;
  private readonly byteCapacity: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    options: ThrottleOptions,
    private readonly now: () => number,
  ) {
    const recordsPerSecond = options.recordsPerSecond ?? 1000;
    const bytesPerSecond = options.bytesPerSecond ?? 1_048_576;
    const burstSeconds = options.burstSeconds ?? 1;
    if (!(recordsPerSecond > 0 && bytesPerSecond > 0 && burstSeconds > 0)) {
      throw Object.assign(new Error('throttle rates and burstSeconds must be positive'), { code: 'ERR_INVALID_ARG_VALUE' });
    }
    this.recordsPerMs = recordsPerSecond / 1000;
    this.bytesPerMs = bytesPerSecond / 1000;
    this.recordCapacity = recordsPerSecond * burstSeconds;
    this.byteCapacity = bytesPerSecond * burstSeconds;
  }

  /** Takes one record and `bytes` bytes from the shard's buckets; returns false (taking nothing) if either is short. */
  tryAcquire(shardKey: string, bytes: number): boolean {
    const t = this.now();
    let bucket = this.buckets.get(shardKey);
    if (bucket === undefined) {
      bucket = { records: this.recordCapacity, bytes: this.byteCapacity, at: t };
      this.buckets.set(shardKey, bucket);
    } else if (t > bucket.at) {
      const elapsed = t - bucket.at;
      bucket.records = Math.min(this.recordCapacity, bucket.records + elapsed * this.recordsPerMs);
      bucket.bytes = Math.min(this.byteCapacity, bucket.bytes + elapsed * this.bytesPerMs);
      bucket.at = t;
    }
    if (bucket.records < 1 || bucket.bytes < bytes) return false;
    bucket.records -= 1;
    bucket.bytes -= bytes;
    return true;
  }
}
