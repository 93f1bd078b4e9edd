import { GatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { entrySize, type Sink, type SinkEntryResult } from '../sinks/sink.js';
import { createAckLedger } from './ack-ledger.js';
import { createDeviceQueues } from './device-queues.js';
import { createDispatcher } from './dispatcher.js';
import type { ShardRateLimiter } from './rate-limiter.js';
import { createRegrouper } from './regrouper.js';
import { createRetryQueue } from './retry-queue.js';
import { createSinglePacker } from './single-packer.js';
import type { AckCallback, EntryPacker } from './types.js';

export interface BridgeOptions {
  sink: Sink;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Packs readings into entries. Default: one reading per entry. */
  packer?: EntryPacker;
  /** Names the group (shard) a device's entries go to. Default: one group for all devices. */
  groupOf?: (deviceId: string) => string;
  /** Per-group (per-shard) write limits. Default: none. */
  rateLimiter?: ShardRateLimiter;
  /**
   * With a rate limiter: a group is packed only once its byte tokens reach this much (or the bucket's depth),
   * so that a shard running at its limit sends full aggregates instead of many small ones (each Kinesis record
   * counts against the 1,000 records/s limit and costs at least one PUT payload unit). A group below its
   * limit has a full bucket, so this adds no latency there. Default 0.
   */
  minGroupSendBytes?: number;
  /** Sees every entry's result with the group it was packed for (e.g. to spot a stale shard map). */
  onResult?: (groupKey: string, result: SinkEntryResult) => void;
  /** Sees every whole-request failure. */
  onRequestError?: (err: GatewayError) => void;
  /** How long a reading may wait for others to share its request, ms. Default 20. */
  lingerMs?: number;
  /** Requests in flight at once. Default 4. */
  maxInFlight?: number;
  /** Readings held (queued or in flight) before {@link Bridge.overloaded} turns true. Default 100,000. */
  maxBufferedReadings?: number;
  /** Bytes held before {@link Bridge.overloaded} turns true. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** First retry backoff ceiling, ms; doubles per attempt. Default 100. */
  retryBaseMs?: number;
  /** Largest retry backoff, ms; also the pace of retries while the sink fails fatally. Default 10,000. */
  retryMaxMs?: number;
  /** Deadline of one request, ms. Default 15,000. */
  requestTimeoutMs?: number;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_BRIDGE_OPTIONS = {
  lingerMs: 20,
  maxInFlight: 4,
  maxBufferedReadings: 100_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  retryBaseMs: 100,
  retryMaxMs: 10_000,
  requestTimeoutMs: 15_000,
} as const;

export interface BridgeStats {
  bufferedReadings: number;
  bufferedBytes: number;
  inFlightRequests: number;
  readyDevices: number;
  retryEntries: number;
}

/**
 * The batching bridge: queues readings per device, packs them into sink requests bounded by the sink's limits and
 * a linger time, keeps several requests in flight, retries only failed entries with full-jitter backoff, and
 * acknowledges each reading when the sink accepted it, keeping each device's readings in order.
 *
 * The parts: device-queues.ts (queues and packing), dispatcher.ts (when requests go out), retry-queue.ts (which
 * entries are retried, and the order rule), ack-ledger.ts (who is acknowledged when, backpressure),
 * regrouper.ts (queued devices after a shard-map change).
 */
export interface Bridge {
  /** Queues a reading; `done` runs once it is accepted, or with an error if it never will be. */
  submit(deviceId: string, data: Buffer, done: AckCallback): void;
  /** True while the buffers are over their limits: callers should stop reading from devices. */
  readonly overloaded: boolean;
  /** Runs `callback` once, as soon as the bridge is not overloaded (at once if it is not). */
  whenRelieved(callback: () => void): void;
  /** The fatal sink error in force, if any (missing stream, access denied, bad credentials). */
  readonly fatalError: GatewayError | undefined;
  readonly limits: Sink['limits'];
  stats(): BridgeStats;
  /** Recomputes every queued device's group (after the shard map changed). */
  regroup(): void;
  /** Sends everything now, ignoring linger; resolves when nothing is held. Rejects with GW_ERR_FLUSH_TIMEOUT. */
  flush(timeoutMs: number): Promise<void>;
  /** Stops; readings still held get a GW_ERR_SHUTTING_DOWN error. */
  close(): Promise<void>;
}

export function createBridge(options: BridgeOptions): Bridge {
  const o = { ...DEFAULT_BRIDGE_OPTIONS, ...stripUndefined(options) };
  const { sink, metrics, logger } = options;
  const limits = sink.limits;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const groupOf = options.groupOf ?? ((): string => '*');
  const rateLimiter = options.rateLimiter;

  const acks = createAckLedger({
    metrics,
    logger,
    maxBufferedReadings: o.maxBufferedReadings,
    maxBufferedBytes: o.maxBufferedBytes,
    now,
  });
  const queues = createDeviceQueues({
    packer: options.packer ?? createSinglePacker(),
    groupOf,
    rateLimiter,
    minGroupSendBytes: options.minGroupSendBytes ?? 0,
    now,
  });
  const retries = createRetryQueue({
    queues,
    acks,
    metrics,
    sinkName: sink.name,
    rateLimiter,
    retryBaseMs: o.retryBaseMs,
    retryMaxMs: o.retryMaxMs,
    now,
    random,
  });
  const dispatcher = createDispatcher({
    sink,
    queues,
    retries,
    acks,
    metrics,
    logger,
    rateLimiter,
    onResult: options.onResult,
    onRequestError: options.onRequestError,
    lingerMs: o.lingerMs,
    maxInFlight: o.maxInFlight,
    requestTimeoutMs: o.requestTimeoutMs,
    now,
  });
  const regrouper = createRegrouper({ queues, groupOf });

  return {
    submit(deviceId, data, done) {
      if (dispatcher.closed || dispatcher.flushing) {
        done(new GatewayError('GW_ERR_SHUTTING_DOWN', 'the gateway is shutting down'));
        return;
      }
      const size = entrySize(limits, deviceId, data);
      if (size > limits.maxEntryBytes) {
        // The ingest dead-letters such readings first; a request carrying one would be refused whole.
        done(new GatewayError('GW_ERR_SINK_FATAL', `record of ${size} bytes exceeds the ${sink.name} limit of ${limits.maxEntryBytes}`, { detail: { awsCode: 'RecordTooLarge' } }));
        return;
      }
      queues.enqueue(deviceId, data, size, done);
      acks.hold(size);
      dispatcher.queued();
    },
    get overloaded() {
      return acks.overloaded;
    },
    whenRelieved(callback) {
      acks.whenRelieved(callback);
    },
    get fatalError() {
      return dispatcher.fatalError;
    },
    limits,
    stats() {
      return {
        bufferedReadings: acks.bufferedReadings,
        bufferedBytes: acks.bufferedBytes,
        inFlightRequests: dispatcher.inFlight,
        readyDevices: queues.readyDevices,
        retryEntries: retries.length,
      };
    },
    regroup() {
      regrouper.regroup();
    },
    flush(timeoutMs) {
      dispatcher.startFlush();
      if (acks.bufferedReadings === 0) return Promise.resolve();
      retries.expedite();
      dispatcher.pump();
      return acks.whenIdle(timeoutMs);
    },
    async close() {
      dispatcher.close();
      const err = new GatewayError('GW_ERR_SHUTTING_DOWN', 'the gateway shut down before the sink accepted this reading');
      retries.clear(err);
      queues.clear((reading) => acks.release(reading, err));
      acks.afterRelease();
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
