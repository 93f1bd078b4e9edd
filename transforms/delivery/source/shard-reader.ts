/**
 * Reads one shard with GetShardIterator / GetRecords, once per poll interval (Firehose calls GetRecords once per
 * second per shard: Firehose Developer Guide, "Writing to Amazon Firehose Using Kinesis Data Streams"), until the
 * shard ends (no NextShardIterator: closed by a reshard and read to its end) or the reader is stopped.
 *
 * Records go to `onRecords` synchronously, a page at a time, only while the runner has buffer capacity: while S3 is
 * down nothing more is read (an iterator that expires meanwhile is re-acquired after the last record read).
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { GET_RECORDS_LIMIT, MIN_GET_RECORDS_SPACING_MS } from '../limits.js';
import type { DeliveryMetrics } from '../metrics.js';
import { backoffDelay, errorName, sleep } from '../../../common/retry.js';

export type StartPosition =
  | { type: 'TRIM_HORIZON' }
  /** `startingPosition: 'LATEST'`: records that arrived at or after the delivery stream's creation. */
  | { type: 'AT_TIMESTAMP'; timestamp: number }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string }
  /** Resuming inside a partly delivered aggregate: it is read again and its delivered records skipped. */
  | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumber: string }
  /** Only as the fallback for AT_TIMESTAMP on kinesalite (see AT_TIMESTAMP_TIMEOUT_MS). */
  | { type: 'LATEST' };

export interface ShardReaderOptions {
  kinesis: KinesisClient;
  stream: { StreamName: string; StreamARN?: string };
  shardId: string;
  start: StartPosition;
  pollIntervalMs: number;
  requestTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Resolves when the runner may take more records (its buffer limit). */
  waitForCapacity: (signal: AbortSignal) => Promise<void>;
  onRecords: (shardId: string, records: readonly _Record[]) => void;
  onEnd: (shardId: string) => void;
  metrics: DeliveryMetrics;
  logger: Logger;
}

export interface ShardReaderStats {
  shardId: string;
  state: 'reading' | 'ended' | 'stopped';
  lastSequenceNumber: string | undefined;
  millisBehindLatest: number | undefined;
}

export interface ShardReader {
  readonly shardId: string;
  /** Stops polling: ends sleeps and capacity waits, lets a call in flight finish (its records are handed on), and
   * resolves when the loop exits. */
  stop(): Promise<void>;
  stats(): ShardReaderStats;
}

/**
 * kinesalite answers an AT_TIMESTAMP GetShardIterator with no record at or after the timestamp by never answering;
 * after this long the reader takes LATEST instead, which is the same position in that case.
 */
const AT_TIMESTAMP_TIMEOUT_MS = 5_000;

export function startShardReader(options: ShardReaderOptions): ShardReader {
  const { kinesis, shardId, metrics, logger } = options;
  const log = logger.child({ shardId });
  const stopper = new AbortController();
  let state: ShardReaderStats['state'] = 'reading';
  let lastSequenceNumber: string | undefined;
  let millisBehindLatest: number | undefined;

  /**
   * Runs an SDK call that is aborted after `timeoutMs`, with no timer left behind. `stop()` does not abort it: the
   * server would go on serving an abandoned request, and a local server closing under it (kinesalite closes its
   * store with its socket) fails that request with an uncaught error. Kinesis calls return at once, so waiting is short.
   */
  async function call<T>(timeoutMs: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      return await send(controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  function iteratorInput(position: StartPosition): GetShardIteratorCommandInput {
    const base = { ...options.stream, ShardId: shardId };
    switch (position.type) {
      case 'TRIM_HORIZON':
      case 'LATEST':
        return { ...base, ShardIteratorType: position.type };
      case 'AT_TIMESTAMP': return { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(position.timestamp) };
      case 'AFTER_SEQUENCE_NUMBER':
      case 'AT_SEQUENCE_NUMBER':
        return { ...base, ShardIteratorType: position.type, StartingSequenceNumber: position.sequenceNumber };
    }
  }

  /** A shard iterator for `position`, retrying with backoff; undefined once stopped. */
  async function acquire(initial: StartPosition): Promise<string | undefined> {
    let position = initial;
    for (let attempt = 0; !stopper.signal.aborted; attempt++) {
      const timeoutMs = position.type === 'AT_TIMESTAMP' ? AT_TIMESTAMP_TIMEOUT_MS : options.requestTimeoutMs;
      try {
        const out = await call(timeoutMs, (abortSignal) => kinesis.send(new GetShardIteratorCommand(iteratorInput(position)), { abortSignal }));
        if (out.ShardIterator !== undefined) return out.ShardIterator;
        throw new Error('GetShardIterator returned no iterator');
      } catch (err) {
        if (stopper.signal.aborted) return undefined;
        const name = errorName(err);
        metrics.getRecordsErrors.inc({ error_code: name });
        if (position.type === 'AT_TIMESTAMP' && name === 'AbortError') {
          log.warn({ timestamp: position.timestamp }, 'AT_TIMESTAMP iterator timed out (kinesalite: no record since then); using LATEST');
          position = { type: 'LATEST' };
          continue;
        }
        if (name === 'InvalidArgumentException' && (position.type === 'AFTER_SEQUENCE_NUMBER' || position.type === 'AT_SEQUENCE_NUMBER')) {
          // The checkpointed sequence number does not belong to this shard any more (the stream was recreated):
          // re-deliver from the start rather than skip anything (at-least-once).
          log.error({ err, position }, 'checkpointed sequence number rejected; reading the shard from TRIM_HORIZON');
          position = { type: 'TRIM_HORIZON' };
          continue;
        }
        const delay = backoffDelay(attempt + 1, { baseMs: options.retryBaseMs, maxMs: options.retryMaxMs });
        log.warn({ err, delayMs: delay }, 'GetShardIterator failed; retrying');
        await sleep(delay, stopper.signal);
      }
    }
    return undefined;
  }

  async function loop(): Promise<void> {
    // Where to go back to if the iterator expires before anything was read: for LATEST, the moment it was taken.
    const origin: StartPosition = options.start.type === 'LATEST' ? { type: 'AT_TIMESTAMP', timestamp: Date.now() } : options.start;
    let iterator = await acquire(options.start);
    let attempt = 0;
    while (iterator !== undefined && !stopper.signal.aborted) {
      await options.waitForCapacity(stopper.signal);
      if (stopper.signal.aborted) break;
      const shardIterator: string = iterator;
      let out;
      try {
        out = await call(options.requestTimeoutMs, (abortSignal) =>
          kinesis.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: GET_RECORDS_LIMIT }), { abortSignal }),
        );
        attempt = 0;
      } catch (err) {
        if (stopper.signal.aborted) break;
        const name = errorName(err);
        metrics.getRecordsErrors.inc({ error_code: name });
        if (name === 'ExpiredIteratorException') {
          iterator = await acquire(
            lastSequenceNumber === undefined ? origin : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastSequenceNumber },
          );
          continue;
        }
        const delay = backoffDelay(++attempt, { baseMs: options.retryBaseMs, maxMs: options.retryMaxMs });
        log.warn({ err, delayMs: delay }, 'GetRecords failed; retrying');
        await sleep(delay, stopper.signal);
        continue;
      }
      const records = out.Records ?? [];
      if (records.length > 0) {
        options.onRecords(shardId, records);
        lastSequenceNumber = records[records.length - 1]?.SequenceNumber ?? lastSequenceNumber;
      }
      millisBehindLatest = out.MillisBehindLatest;
      metrics.millisBehindLatest.set({ shard: shardId }, millisBehindLatest ?? 0);
      if (out.NextShardIterator === undefined) {
        state = 'ended';
        log.info({ lastSequenceNumber }, 'shard read to its end');
        options.onEnd(shardId);
        return;
      }
      iterator = out.NextShardIterator;
      // A full page means more is waiting: poll again at the per-shard call limit rather than the interval.
      await sleep(records.length >= GET_RECORDS_LIMIT ? MIN_GET_RECORDS_SPACING_MS : options.pollIntervalMs, stopper.signal);
    }
  }

  const finished = loop().catch((err: unknown) => {
    log.error({ err }, 'shard reader failed');
  });

  return {
    shardId,
    async stop() {
      if (state === 'reading') state = 'stopped';
      stopper.abort();
      await finished;
    },
    stats: () => ({ shardId, state, lastSequenceNumber, millisBehindLatest }),
  };
}
