import { GatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Sink, SinkEntryResult } from '../sinks/sink.js';
import type { AckLedger } from './ack-ledger.js';
import type { DeviceQueues } from './device-queues.js';
import type { ShardRateLimiter } from './rate-limiter.js';
import type { RetryQueue } from './retry-queue.js';
import type { Entry } from './types.js';

export interface DispatcherOptions {
  sink: Sink;
  queues: DeviceQueues;
  retries: RetryQueue;
  acks: AckLedger;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Per-group (per-shard) write limits; none when absent. */
  rateLimiter?: ShardRateLimiter | undefined;
  /** Sees every entry's result with the group it was packed for. */
  onResult?: ((groupKey: string, result: SinkEntryResult) => void) | undefined;
  /** Sees every whole-request failure. */
  onRequestError?: ((err: GatewayError) => void) | undefined;
  /** How long a reading may wait for others to share its request, ms. */
  lingerMs: number;
  /** Requests in flight at once. */
  maxInFlight: number;
  /** Deadline of one request, ms. */
  requestTimeoutMs: number;
  now: () => number;
}

/**
 * Decides when a request goes out (linger, fullness, in-flight cap, due retries, shard tokens), builds it
 * (retries first, then the ready groups) and sends it; a whole-request failure also sets the fatal sink state.
 */
export interface Dispatcher {
  readonly inFlight: number;
  /** The fatal sink error in force, if any. */
  readonly fatalError: GatewayError | undefined;
  /** Set by {@link startFlush}: linger and per-group minimum sizes are ignored. */
  readonly flushing: boolean;
  readonly closed: boolean;
  /** A reading was queued: sends at once unless a wake-up is set and the next request could still grow. */
  queued(): void;
  /** Sends what may be sent now, and sets a wake-up for what may be sent later. */
  pump(): void;
  startFlush(): void;
  /** Stops sending; requests in flight still settle. */
  close(): void;
}

/** While the sink fails fatally, the cause is logged again at most this often. */
const FATAL_LOG_INTERVAL_MS = 60_000;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { sink, queues, retries, acks, metrics, logger, lingerMs, maxInFlight, requestTimeoutMs, now } = options;
  const limits = sink.limits;
  const limiter = options.rateLimiter;
  let inFlight = 0;
  let flushing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let fatalError: GatewayError | undefined;
  let fatalLoggedAt = 0;
  /** Earliest time a group blocked by its rate limit has tokens again (Infinity when none is blocked). */
  let blockedUntil = Infinity;

  /** Whether waiting longer cannot make the next request any fuller. */
  function requestWouldBeFull(): boolean {
    return queues.readyDevices >= limits.maxEntriesPerRequest || acks.bufferedBytes >= limits.maxRequestBytes;
  }

  function wakeAt(at: number): void {
    if (closed || at >= timerAt) return;
    if (timer !== undefined) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      pump();
    }, Math.max(0, at - now()));
  }

  function buildRequest(at: number): Entry[] {
    const entries: Entry[] = [];
    const budget = { entries: limits.maxEntriesPerRequest, bytes: limits.maxRequestBytes };
    blockedUntil = retries.take(at, budget, entries);
    if (queues.readyDevices === 0) return entries;
    blockedUntil = Math.min(blockedUntil, queues.packReady(budget, entries, flushing));
    return entries;
  }

  function pump(): void {
    if (closed) return;
    while (inFlight < maxInFlight) {
      const at = now();
      const retryDue = retries.nextDueAt() <= at;
      if (!retryDue && queues.readyDevices === 0) break;
      if (!retryDue && !flushing && !requestWouldBeFull()) {
        const oldest = queues.oldestReadyAt();
        if (at - oldest < lingerMs) {
          wakeAt(oldest + lingerMs);
          break;
        }
      }
      const entries = buildRequest(at);
      if (entries.length === 0) {
        // Everything ready is waiting for its shard's tokens.
        if (blockedUntil !== Infinity) wakeAt(Math.max(blockedUntil, at + 1));
        break;
      }
      void send(entries);
    }
    const retryAt = retries.nextDueAt();
    if (retryAt !== Infinity) wakeAt(retryAt);
  }

  function onFatal(err: GatewayError): void {
    const at = now();
    if (fatalError === undefined || at - fatalLoggedAt >= FATAL_LOG_INTERVAL_MS) {
      logger.error(
        { code: err.code, awsCode: err.detail['awsCode'], hint: err.detail['hint'] },
        `${sink.name} rejects every request: ${err.message}`,
      );
      fatalLoggedAt = at;
    }
    fatalError = err;
    metrics.sinkFatal.set(1);
  }

  function onSuccess(): void {
    if (fatalError !== undefined) {
      logger.info({ code: fatalError.code }, `${sink.name} accepts requests again`);
      fatalError = undefined;
      metrics.sinkFatal.set(0);
    }
  }

  async function send(entries: Entry[]): Promise<void> {
    inFlight++;
    metrics.inFlightRequests.set(inFlight);
    let bytes = 0;
    for (const e of entries) bytes += e.size;
    metrics.batchRecords.observe(entries.length);
    metrics.batchBytes.observe(bytes);
    const stopTimer = metrics.sinkPutDuration.startTimer();
    try {
      const results = await sink.put(entries, AbortSignal.timeout(requestTimeoutMs));
      if (results.length !== entries.length) {
        throw new GatewayError(
          'GW_ERR_SINK_RETRIABLE',
          `${sink.name} answered ${results.length} results for ${entries.length} entries`,
        );
      }
      let failed = 0;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as Entry;
        const result = results[i];
        if (result !== undefined) options.onResult?.(entry.groupKey, result);
        if (!retries.settle(entry, result)) failed++;
      }
      stopTimer({ outcome: failed === 0 ? 'success' : 'partial' });
      metrics.sinkRequests.inc({ outcome: failed === 0 ? 'success' : 'partial', error_code: '' });
      onSuccess();
    } catch (caught) {
      const err = caught instanceof GatewayError
        ? caught
        : new GatewayError('GW_ERR_SINK_RETRIABLE', `unexpected ${sink.name} failure: ${String(caught)}`, {
            cause: caught,
          });
      const awsCode = String(err.detail['awsCode'] ?? err.code);
      stopTimer({ outcome: 'error' });
      metrics.sinkRequests.inc({ outcome: 'error', error_code: awsCode });
      options.onRequestError?.(err);
      const fatal = !err.retriable;
      if (fatal) onFatal(err);
      else logger.debug({ awsCode, entries: entries.length, err: err.message }, 'request failed, retrying');
      retries.retryRequest(entries, awsCode, fatal);
    } finally {
      if (limiter !== undefined) for (const [shard, f] of limiter.factors()) metrics.shardRateFactor.set({ shard }, f);
      inFlight--;
      metrics.inFlightRequests.set(inFlight);
      acks.afterRelease();
      pump();
    }
  }

  return {
    get inFlight() {
      return inFlight;
    },
    get fatalError() {
      return fatalError;
    },
    get flushing() {
      return flushing;
    },
    get closed() {
      return closed;
    },
    queued() {
      if (timer === undefined || requestWouldBeFull()) pump();
    },
    pump,
    startFlush() {
      flushing = true;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
