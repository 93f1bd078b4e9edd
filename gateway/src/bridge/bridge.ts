import { GatewayError, isGatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { entrySize, type Sink, type SinkEntryResult } from '../sinks/sink.js';
import { backoffDelay } from '../../../common/retry.js';
import { Deque } from '../../../common/deque.js';
import type { ShardRateLimiter } from './rate-limiter.js';
import { createSinglePacker } from './single-packer.js';
import type { AckCallback, DeviceState, Entry, EntryPacker, Reading, ReadyGroup } from './types.js';

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

/** Backpressure ends when both buffers are back under this share of their limits. */
const RELIEF_RATIO = 0.8;
/** While the sink fails fatally, the cause is logged again at most this often. */
const FATAL_LOG_INTERVAL_MS = 60_000;

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
 * acknowledges each reading when the sink accepted it.
 *
 * Order: a device never has more than one entry in flight, and a failed entry is retried before anything newer
 * of its devices is sent. PutRecords does not order the entries of one request (entry i may fail while i+1
 * succeeds), so this is what keeps a device's readings from overtaking each other.
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
  const packer = options.packer ?? createSinglePacker();
  const groupOf = options.groupOf ?? ((): string => '*');
  const limiter = options.rateLimiter;
  const minGroupSendBytes = options.minGroupSendBytes ?? 0;

  const devices = new Map<string, DeviceState>();
  const groups = new Map<string, ReadyGroup>();
  let groupCursor = 0;
  let readyDevices = 0;
  const retries: Entry[] = [];
  let inFlight = 0;
  let bufferedReadings = 0;
  let bufferedBytes = 0;
  let overloaded = false;
  let reliefWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];
  let flushing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let fatalError: GatewayError | undefined;
  let fatalLoggedAt = 0;

  function groupFor(key: string): ReadyGroup {
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, ready: new Deque<DeviceState>() };
      groups.set(key, group);
    }
    return group;
  }

  function makeReady(device: DeviceState): void {
    device.ready = true;
    groupFor(device.groupKey).ready.push(device);
    readyDevices++;
  }

  function updateOverload(): void {
    if (!overloaded && (bufferedReadings >= o.maxBufferedReadings || bufferedBytes >= o.maxBufferedBytes)) {
      overloaded = true;
      metrics.backpressure.set(1);
      logger.warn({ bufferedReadings, bufferedBytes }, 'bridge buffers full: backpressure on');
    } else if (
      overloaded &&
      bufferedReadings <= o.maxBufferedReadings * RELIEF_RATIO &&
      bufferedBytes <= o.maxBufferedBytes * RELIEF_RATIO
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

  function afterRelease(): void {
    updateOverload();
    if (bufferedReadings === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  function freeDevices(entry: Entry): void {
    for (const device of entry.devices) {
      device.inFlight = false;
      if (device.queue.length > 0) {
        if (!device.ready) makeReady(device);
      } else if (!device.ready) {
        devices.delete(device.id);
      }
    }
  }

  /** Whether waiting longer cannot make the next request any fuller. */
  function requestWouldBeFull(): boolean {
    return readyDevices >= limits.maxEntriesPerRequest || bufferedBytes >= limits.maxRequestBytes;
  }

  function oldestReadyAt(): number {
    let oldest = Infinity;
    for (const group of groups.values()) {
      const head = group.ready.peek()?.queue.peek();
      if (head !== undefined && head.enqueuedAt < oldest) oldest = head.enqueuedAt;
    }
    return oldest;
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

  /** Earliest time a group blocked by its rate limit has tokens again (Infinity when none is blocked). */
  let blockedUntil = Infinity;

  function takeRetries(at: number, budget: { entries: number; bytes: number }, entries: Entry[]): void {
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
      entries.push(next);
      budget.entries--;
      budget.bytes -= next.size;
    }
  }

  function buildRequest(at: number): Entry[] {
    const entries: Entry[] = [];
    const budget = { entries: limits.maxEntriesPerRequest, bytes: limits.maxRequestBytes };
    blockedUntil = Infinity;
    takeRetries(at, budget, entries);
    if (readyDevices === 0) return entries;
    // Round-robin over groups so that one busy shard cannot starve the others.
    const keys = [...groups.keys()];
    for (let i = 0; i < keys.length && budget.entries > 0 && budget.bytes > 0; i++) {
      const group = groups.get(keys[(groupCursor + i) % keys.length] as string) as ReadyGroup;
      const groupBudget = { entries: budget.entries, bytes: budget.bytes };
      if (limiter !== undefined) {
        const tokens = limiter.available(group.key);
        const wanted = Math.min(minGroupSendBytes, limiter.depthBytes);
        if (tokens.bytes < wanted && !flushing) {
          blockedUntil = Math.min(blockedUntil, limiter.readyAt(group.key, wanted));
          continue;
        }
        groupBudget.entries = Math.min(groupBudget.entries, Math.floor(tokens.records));
        groupBudget.bytes = Math.min(groupBudget.bytes, Math.floor(tokens.bytes));
      }
      const before = entries.length;
      const used = groupBudget.entries > 0 && groupBudget.bytes > 0 ? packer.pack(group, groupBudget, entries) : 0;
      const taken = entries.length - before;
      for (let j = before; j < entries.length; j++) readyDevices -= (entries[j] as Entry).devices.length;
      budget.entries -= taken;
      budget.bytes -= used;
      if (limiter !== undefined) {
        if (taken > 0) limiter.consume(group.key, taken, used);
        if (group.ready.length > 0) {
          const head = group.ready.peek()?.queue.peek();
          blockedUntil = Math.min(blockedUntil, limiter.readyAt(group.key, head?.size ?? 1));
        }
      }
      if (group.ready.length === 0) groups.delete(group.key);
    }
    groupCursor++;
    return entries;
  }

  function pump(): void {
    if (closed) return;
    while (inFlight < o.maxInFlight) {
      const at = now();
      const retryDue = retries.length > 0 && (retries[0] as Entry).notBefore <= at;
      if (!retryDue && readyDevices === 0) break;
      if (!retryDue && !flushing && !requestWouldBeFull()) {
        const oldest = oldestReadyAt();
        if (at - oldest < o.lingerMs) {
          wakeAt(oldest + o.lingerMs);
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
    if (retries.length > 0) wakeAt((retries[0] as Entry).notBefore);
  }

  function scheduleRetry(entry: Entry, reason: string, fatal: boolean): void {
    entry.attempts++;
    const delay = fatal ? o.retryMaxMs : backoffDelay(entry.attempts, { baseMs: o.retryBaseMs, maxMs: o.retryMaxMs }, random);
    entry.notBefore = now() + delay;
    metrics.sinkRetries.inc({ reason });
    // Keep retries sorted by due time; equal times keep their original order.
    let i = retries.length;
    while (i > 0 && (retries[i - 1] as Entry).notBefore > entry.notBefore) i--;
    retries.splice(i, 0, entry);
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

  function settleEntry(entry: Entry, result: SinkEntryResult | undefined): boolean {
    if (result !== undefined) options.onResult?.(entry.groupKey, result);
    if (result?.ok) {
      const shard = result.shardId ?? entry.groupKey;
      metrics.shardEntries.inc({ shard });
      metrics.shardReadings.inc({ shard }, entry.readings.length);
      metrics.shardBytes.inc({ shard }, entry.size);
      for (const reading of entry.readings) release(reading);
      freeDevices(entry);
      return true;
    }
    if (result === undefined || result.retriable) {
      const code = result?.errorCode ?? 'MissingResult';
      metrics.sinkEntriesFailed.inc({ error_code: code });
      if (result?.throttled === true) {
        metrics.shardThrottled.inc({ shard: entry.groupKey });
        limiter?.onThrottle(entry.groupKey);
      }
      scheduleRetry(entry, code, false);
      return false;
    }
    metrics.sinkEntriesFailed.inc({ error_code: result.errorCode });
    const err = new GatewayError('GW_ERR_SINK_FATAL', `${sink.name} rejected the record: ${result.errorMessage}`, {
      detail: { awsCode: result.errorCode },
    });
    for (const reading of entry.readings) release(reading, err);
    freeDevices(entry);
    return false;
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
      const results = await sink.put(entries, AbortSignal.timeout(o.requestTimeoutMs));
      if (results.length !== entries.length) {
        throw new GatewayError(
          'GW_ERR_SINK_RETRIABLE',
          `${sink.name} answered ${results.length} results for ${entries.length} entries`,
        );
      }
      let failed = 0;
      for (let i = 0; i < entries.length; i++) {
        if (!settleEntry(entries[i] as Entry, results[i])) failed++;
      }
      stopTimer({ outcome: failed === 0 ? 'success' : 'partial' });
      metrics.sinkRequests.inc({ outcome: failed === 0 ? 'success' : 'partial', error_code: '' });
      onSuccess();
    } catch (caught) {
      const err = isGatewayError(caught)
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
      for (const entry of entries) scheduleRetry(entry, awsCode, fatal);
    } finally {
      if (limiter !== undefined) for (const [shard, f] of limiter.factors()) metrics.shardRateFactor.set({ shard }, f);
      inFlight--;
      metrics.inFlightRequests.set(inFlight);
      afterRelease();
      pump();
    }
  }

  return {
    submit(deviceId, data, done) {
      if (closed || flushing) {
        done(new GatewayError('GW_ERR_SHUTTING_DOWN', 'the gateway is shutting down'));
        return;
      }
      const size = entrySize(limits, deviceId, data);
      if (size > limits.maxEntryBytes) {
        // The ingest dead-letters such readings first; a request carrying one would be refused whole.
        done(new GatewayError('GW_ERR_SINK_FATAL', `record of ${size} bytes exceeds the ${sink.name} limit of ${limits.maxEntryBytes}`, { detail: { awsCode: 'RecordTooLarge' } }));
        return;
      }
      let device = devices.get(deviceId);
      if (device === undefined) {
        device = { id: deviceId, groupKey: groupOf(deviceId), queue: new Deque<Reading>(), inFlight: false, ready: false };
        devices.set(deviceId, device);
      }
      device.queue.push({ device, data, size, enqueuedAt: now(), done });
      bufferedReadings++;
      bufferedBytes += size;
      if (!device.inFlight && !device.ready) makeReady(device);
      updateOverload();
      if (timer === undefined || requestWouldBeFull()) pump();
    },
    get overloaded() {
      return overloaded;
    },
    whenRelieved(callback) {
      if (!overloaded) callback();
      else reliefWaiters.push(callback);
    },
    get fatalError() {
      return fatalError;
    },
    limits,
    stats() {
      return { bufferedReadings, bufferedBytes, inFlightRequests: inFlight, readyDevices, retryEntries: retries.length };
    },
    regroup() {
      const ready = [...groups.values()].flatMap((g) => [...g.ready]);
      groups.clear();
      readyDevices = 0;
      for (const device of devices.values()) device.groupKey = groupOf(device.id);
      // Re-list in the order they were ready, so no device loses its turn.
      for (const device of ready) makeReady(device);
    },
    flush(timeoutMs) {
      flushing = true;
      if (bufferedReadings === 0) return Promise.resolve();
      // Retries due later are sent now: shutdown has no time to wait for backoff.
      for (const entry of retries) entry.notBefore = 0;
      pump();
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
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const err = new GatewayError('GW_ERR_SHUTTING_DOWN', 'the gateway shut down before the sink accepted this reading');
      for (const entry of retries.splice(0)) for (const reading of entry.readings) release(reading, err);
      for (const device of devices.values()) {
        for (let r = device.queue.shift(); r !== undefined; r = device.queue.shift()) release(r, err);
      }
      devices.clear();
      groups.clear();
      readyDevices = 0;
      afterRelease();
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
