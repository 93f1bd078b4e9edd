import { GatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Entry, Reading } from './types.js';

export interface AckLedgerOptions {
  metrics: GatewayMetrics;
  logger: Logger;
  /** Readings held before {@link AckLedger.overloaded} turns true. */
  maxBufferedReadings: number;
  /** Bytes held before {@link AckLedger.overloaded} turns true. */
  maxBufferedBytes: number;
  /** Clock of the forward latency, ms. */
  now: () => number;
}

/**
 * Who is acknowledged when. A reading's `done` runs at most once, in one of three ways:
 * - without an error when the sink accepted the entry holding it (an aggregate's readings all at once);
 * - with GW_ERR_SINK_FATAL when the sink rejected that entry for good;
 * - with GW_ERR_SHUTTING_DOWN when the bridge closes while the reading is queued or waiting for a retry.
 * A retriable failure, of an entry or of a whole request, acknowledges nobody: the entry is retried.
 * (Readings refused at submit are answered there and never held.)
 *
 * Until then a reading is held, queued or in flight, and counts towards the buffer limits behind backpressure.
 */
export interface AckLedger {
  readonly bufferedReadings: number;
  readonly bufferedBytes: number;
  /** True from the moment a buffer reaches its limit until both are back under 80% of it. */
  readonly overloaded: boolean;
  /** Counts a reading of `size` bytes as held. */
  hold(size: number): void;
  /** Acknowledges every reading of an entry the sink accepted. */
  accept(entry: Entry): void;
  /** Fails every reading of an entry with `err`. */
  reject(entry: Entry, err: GatewayError): void;
  /** Acknowledges one reading: accepted without `err`, failed with it. */
  release(reading: Reading, err?: GatewayError): void;
  /** Updates backpressure after releases, and resolves {@link whenIdle} once nothing is held. */
  afterRelease(): void;
  /** Runs `callback` once, as soon as the ledger is not overloaded (at once if it is not). */
  whenRelieved(callback: () => void): void;
  /** Resolves once nothing is held; rejects with GW_ERR_FLUSH_TIMEOUT after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void>;
}

/** Backpressure ends when both buffers are back under this share of their limits. */
const RELIEF_RATIO = 0.8;

export function createAckLedger(options: AckLedgerOptions): AckLedger {
  const { metrics, logger, now, maxBufferedReadings, maxBufferedBytes } = options;
  let bufferedReadings = 0;
  let bufferedBytes = 0;
  let overloaded = false;
  let reliefWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  function updateOverload(): void {
    if (!overloaded && (bufferedReadings >= maxBufferedReadings || bufferedBytes >= maxBufferedBytes)) {
      overloaded = true;
      metrics.backpressure.set(1);
      logger.warn({ bufferedReadings, bufferedBytes }, 'bridge buffers full: backpressure on');
    } else if (
      overloaded &&
      bufferedReadings <= maxBufferedReadings * RELIEF_RATIO &&
      bufferedBytes <= maxBufferedBytes * RELIEF_RATIO
    ) {
      overloaded = false;
      metrics.backpressure.set(0);
      logger.info({ bufferedReadings, bufferedBytes }, 'bridge buffers drained: backpressure off');
      const waiters = reliefWaiters;
      reliefWaiters = [];
      for (const w of waiters) w();
    }
    metrics.bufferedReadings.set(bufferedReadings);
    metrics.bufferedBytes.set(bufferedBytes);
  }

  function release(reading: Reading, err?: GatewayError): void {
    bufferedReadings--;
    bufferedBytes -= reading.size;
    if (err === undefined) {
      metrics.readingsForwarded.inc();
      metrics.forwardLatency.observe((now() - reading.enqueuedAt) / 1000);
    }
    reading.done(err);
  }

  return {
    get bufferedReadings() {
      return bufferedReadings;
    },
    get bufferedBytes() {
      return bufferedBytes;
    },
    get overloaded() {
      return overloaded;
    },
    hold(size) {
      bufferedReadings++;
      bufferedBytes += size;
      updateOverload();
    },
    accept(entry) {
      for (const reading of entry.readings) release(reading);
    },
    reject(entry, err) {
      for (const reading of entry.readings) release(reading, err);
    },
    release,
    afterRelease() {
      updateOverload();
      if (bufferedReadings === 0 && idleWaiters.length > 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    },
    whenRelieved(callback) {
      if (!overloaded) callback();
      else reliefWaiters.push(callback);
    },
    whenIdle(timeoutMs) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => {
          reject(
            new GatewayError('GW_ERR_FLUSH_TIMEOUT', `${bufferedReadings} readings not flushed within ${timeoutMs} ms`, {
              detail: { bufferedReadings },
            }),
          );
        }, timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
    },
  };
}
