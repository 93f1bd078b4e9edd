/*
 * Order rule: a device never has more than one entry in flight, and a failed entry is retried before anything
 * newer of its devices is sent. PutRecords does not order the entries of one request (entry i may fail while
 * i+1 succeeds), so this is what keeps a device's readings from overtaking each other.
 *
 * How it holds: packing an entry marks its devices in flight and takes them off the ready lists; a device in
 * flight is not listed again when readings arrive; a retriable failure keeps the devices in flight and parks
 * the entry here; only a final outcome (accepted, or rejected for good) frees them.
 */
import { GatewayError } from '../../../common/errors.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SinkEntryResult } from '../sinks/sink.js';
import type { AckLedger } from './ack-ledger.js';
import { backoffDelay } from '../../../common/retry.js';
import type { DeviceQueues } from './device-queues.js';
import type { ShardRateLimiter } from './rate-limiter.js';
import type { Entry } from './types.js';

export interface RetryQueueOptions {
  queues: DeviceQueues;
  acks: AckLedger;
  metrics: GatewayMetrics;
  /** The sink's name, for error messages. */
  sinkName: string;
  /** Per-group (per-shard) write limits; none when absent. */
  rateLimiter?: ShardRateLimiter | undefined;
  /** First retry backoff ceiling, ms; doubles per attempt. */
  retryBaseMs: number;
  /** Largest retry backoff, ms; also the pace of retries while the sink fails fatally. */
  retryMaxMs: number;
  now: () => number;
  random: () => number;
}

/** Entries waiting for a retry, sorted by due time, and the decision of which entries are retried. */
export interface RetryQueue {
  readonly length: number;
  /** Due time of the first retry, ms; Infinity when none waits. */
  nextDueAt(): number;
  /**
   * Moves retries due at `at` into `out` within `budget` (which it lowers) and their shards' tokens. Returns the
   * earliest time a retry it skipped for lack of tokens has them (Infinity when none).
   */
  take(at: number, budget: { entries: number; bytes: number }, out: Entry[]): number;
  /** Settles an entry by its result: acknowledged, failed for good, or retried. Returns whether it was accepted. */
  settle(entry: Entry, result: SinkEntryResult | undefined): boolean;
  /** A whole request failed: every entry is retried, at the slowest pace when the failure is `fatal`. */
  retryRequest(entries: readonly Entry[], reason: string, fatal: boolean): void;
  /** Makes every retry due now (shutdown has no time to wait for backoff). */
  expedite(): void;
  /** Removes every waiting entry and fails its readings with `err`. */
  clear(err: GatewayError): void;
}

export function createRetryQueue(options: RetryQueueOptions): RetryQueue {
  const { queues, acks, metrics, sinkName, retryBaseMs, retryMaxMs, now, random } = options;
  const limiter = options.rateLimiter;
  const retries: Entry[] = [];

  function schedule(entry: Entry, reason: string, fatal: boolean): void {
    entry.attempts++;
    const delay = fatal ? retryMaxMs : backoffDelay(entry.attempts, { baseMs: retryBaseMs, maxMs: retryMaxMs }, random);
    entry.notBefore = now() + delay;
    metrics.sinkRetries.inc({ reason });
    // Keep retries sorted by due time; equal times keep their original order.
    let i = retries.length;
    while (i > 0 && (retries[i - 1] as Entry).notBefore > entry.notBefore) i--;
    retries.splice(i, 0, entry);
  }

  return {
    get length() {
      return retries.length;
    },
    nextDueAt() {
      return retries.length > 0 ? (retries[0] as Entry).notBefore : Infinity;
    },
    take(at, budget, out) {
      let blockedUntil = Infinity;
      // Retries first: their devices are waiting on them, and they are the oldest data. Entries of different
      // devices may go in any order, so a retry whose shard has no tokens yet does not hold up the others.
      for (let i = 0; i < retries.length && budget.entries > 0; ) {
        const next = retries[i] as Entry;
        if (next.notBefore > at) break;
        if (next.size > budget.bytes) {
          i++;
          continue;
        }
        if (limiter !== undefined) {
          const tokens = limiter.available(next.groupKey);
          if (tokens.records < 1 || tokens.bytes < next.size) {
            blockedUntil = Math.min(blockedUntil, limiter.readyAt(next.groupKey, next.size));
            i++;
            continue;
          }
          limiter.consume(next.groupKey, 1, next.size);
        }
        retries.splice(i, 1);
        out.push(next);
        budget.entries--;
        budget.bytes -= next.size;
      }
      return blockedUntil;
    },
    settle(entry, result) {
      if (result?.ok) {
        const shard = result.shardId ?? entry.groupKey;
        metrics.shardEntries.inc({ shard });
        metrics.shardReadings.inc({ shard }, entry.readings.length);
        metrics.shardBytes.inc({ shard }, entry.size);
        acks.accept(entry);
        queues.releaseDevices(entry);
        return true;
      }
      if (result === undefined || result.retriable) {
        const code = result?.errorCode ?? 'MissingResult';
        metrics.sinkEntriesFailed.inc({ error_code: code });
        if (result?.throttled === true) {
          metrics.shardThrottled.inc({ shard: entry.groupKey });
          limiter?.onThrottle(entry.groupKey);
        }
        schedule(entry, code, false);
        return false;
      }
      metrics.sinkEntriesFailed.inc({ error_code: result.errorCode });
      const err = new GatewayError('GW_ERR_SINK_FATAL', `${sinkName} rejected the record: ${result.errorMessage}`, {
        detail: { awsCode: result.errorCode },
      });
      acks.reject(entry, err);
      queues.releaseDevices(entry);
      return false;
    },
    retryRequest(entries, reason, fatal) {
      for (const entry of entries) schedule(entry, reason, fatal);
    },
    expedite() {
      for (const entry of retries) entry.notBefore = 0;
    },
    clear(err) {
      for (const entry of retries.splice(0)) acks.reject(entry, err);
    },
  };
}
