/**
 * The S3 side of delivery (common/aws/README.md §6): buffers per partition, flushes on the size or interval hint
 * (whichever comes first), names objects like Firehose, and retries PutObject with backoff until it succeeds.
 *
 * - A buffer is one partition: the values of the `!{partitionKeyFromLambda:…}` keys (one buffer when the prefix
 *   has none), plus one buffer for the error output. Timestamp and random-string expressions are evaluated when the
 *   object is cut, from the oldest record in it (as Firehose does), so an hour boundary does not split a buffer.
 * - The size hint counts bytes before compression (Firehose Developer Guide, "Configure buffering hints"). The
 *   interval runs from the first record of the buffer.
 * - Records are concatenated with no delimiter (Firehose Developer Guide, "Understand data delivery in Amazon Data
 *   Firehose").
 * - A PutObject failure is retried forever with capped backoff (Firehose retries for 24 h); meanwhile the
 *   runner stops reading (its buffer limit), and the checkpoint never passes an object that is not in S3. `abort()`
 *   (close deadline) gives up on what is left: it stays uncheckpointed and is read again after a restart.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { DeliveryError } from '../errors.js';
import { errorOutputLine, type Failure } from './error-output.js';
import { MAX_EVALUATED_PREFIX_CHARS, RANDOM_STRING_CHARS } from '../limits.js';
import type { DeliveryMetrics } from '../metrics.js';
import { COMPRESSION_EXTENSION, objectKey, type Compression } from './object-key.js';
import type { CompiledPrefix } from './prefix.js';
import type { SourceRecord } from '../records/records.js';
import { backoffDelay, errorName, sleep } from '../../../common/retry.js';

const gzip = promisify(gzipCallback);

export type ObjectKind = 'data' | 'error';

export interface S3WriterOptions {
  s3: S3Client;
  bucket: string;
  deliveryStreamName: string;
  deliveryStreamVersion: number;
  prefix: CompiledPrefix;
  errorOutputPrefix: CompiledPrefix;
  compression: Compression;
  /** Size hint in bytes (before compression). */
  bufferBytes: number;
  /** Interval hint in ms. */
  bufferIntervalMs: number;
  maxConcurrentUploads: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** `lambdaArn` of error output lines; undefined without a transform. */
  lambdaArn: string | undefined;
  now: () => number;
  metrics: DeliveryMetrics;
  logger: Logger;
  /** Called once per object written, with the records in it (to checkpoint them). */
  onWritten: (records: readonly SourceRecord[], kind: ObjectKind, key: string) => void;
  /** Source of `!{firehose:random-string}`; default 11 random `[a-z0-9]`. */
  randomString?: () => string;
  /** Source of the object name's uuid; default `crypto.randomUUID`. */
  uuid?: () => string;
}

export interface S3WriterStats {
  bufferedRecords: number;
  bufferedBytes: number;
  openBuffers: number;
  pendingObjects: number;
  objectsWritten: number;
  errorObjectsWritten: number;
}

export interface S3Writer {
  /** Buffers a record's delivered bytes (the transform's Ok data, or the record itself without a transform). */
  addData(record: SourceRecord, body: Buffer, partitionKeys: Readonly<Record<string, string>> | undefined, attemptsMade: number): void;
  /** Buffers an error output line for a record. */
  addError(record: SourceRecord, failure: Failure): void;
  /** Cuts the buffers whose interval has passed. */
  tick(): void;
  /** Cuts every buffer and resolves when every object cut so far is written (or abandoned by `abort`). */
  flush(): Promise<void>;
  /** Stops retrying: pending and failing uploads are abandoned (their records stay uncheckpointed). */
  abort(): void;
  stats(): S3WriterStats;
}

interface Buffered {
  readonly kind: ObjectKind;
  readonly partitionKeys: Readonly<Record<string, string>> | undefined;
  readonly openedAt: number;
  chunks: Buffer[];
  bytes: number;
  oldestArrival: number;
  records: SourceRecord[];
}

interface PendingObject {
  readonly kind: ObjectKind;
  readonly key: string;
  readonly chunks: Buffer[];
  readonly bytes: number;
  readonly records: SourceRecord[];
  readonly oldestArrival: number;
}

const ERROR_BUFFER = '\u0000error';
const SAMPLE_RANDOM = 'x'.repeat(RANDOM_STRING_CHARS);

export function createS3Writer(options: S3WriterOptions): S3Writer {
  const { prefix, metrics, logger } = options;
  const buffers = new Map<string, Buffered>();
  const queue: PendingObject[] = [];
  const abort = new AbortController();
  const idleWaiters: (() => void)[] = [];
  const extension = COMPRESSION_EXTENSION[options.compression];
  const uuid = options.uuid ?? randomUUID;
  let inFlight = 0;
  let bufferedRecords = 0;
  let bufferedBytes = 0;
  let objectsWritten = 0;
  let errorObjectsWritten = 0;

  const evaluatePrefix = (b: Pick<Buffered, 'kind' | 'partitionKeys' | 'oldestArrival'>, random?: () => string): string =>
    (b.kind === 'data' ? prefix : options.errorOutputPrefix).evaluate({
      timestamp: b.oldestArrival,
      partitionKeys: b.partitionKeys,
      errorOutputType: 'processing-failed',
      randomString: random ?? options.randomString,
    });

  const cut = (id: string, b: Buffered): void => {
    buffers.delete(id);
    bufferedRecords -= b.records.length;
    bufferedBytes -= b.bytes;
    // After abort (close deadline) nothing more is written: the records stay uncheckpointed and are re-read.
    if (abort.signal.aborted) return;
    const key = objectKey({
      prefix: evaluatePrefix(b),
      deliveryStreamName: options.deliveryStreamName,
      deliveryStreamVersion: options.deliveryStreamVersion,
      timestamp: b.oldestArrival,
      uuid: uuid(),
      extension,
    });
    queue.push({ kind: b.kind, key, chunks: b.chunks, bytes: b.bytes, records: b.records, oldestArrival: b.oldestArrival });
    pump();
  };

  const add = (
    id: string,
    kind: ObjectKind,
    partitionKeys: Readonly<Record<string, string>> | undefined,
    record: SourceRecord,
    chunk: Buffer,
  ): void => {
    let b = buffers.get(id);
    if (b !== undefined && b.bytes > 0 && b.bytes + chunk.length > options.bufferBytes) {
      cut(id, b);
      b = undefined;
    }
    if (b === undefined) {
      b = { kind, partitionKeys, openedAt: Date.now(), chunks: [], bytes: 0, oldestArrival: record.arrival, records: [] };
      buffers.set(id, b);
    }
    b.chunks.push(chunk);
    b.bytes += chunk.length;
    b.records.push(record);
    if (record.arrival < b.oldestArrival) b.oldestArrival = record.arrival;
    bufferedRecords++;
    bufferedBytes += chunk.length;
    if (b.bytes >= options.bufferBytes) cut(id, b);
  };

  const writer: S3Writer = {
    addData(record, body, partitionKeys, attemptsMade) {
      if (prefix.partitionKeys.length === 0) {
        add('', 'data', undefined, record, body);
        return;
      }
      // Dynamic partitioning: the buffer is the tuple of the prefix's keys (only those: other keys the transform
      // returns must not split objects).
      const picked: Record<string, string> = {};
      let id = '';
      for (const k of prefix.partitionKeys) {
        const v = partitionKeys?.[k];
        if (v === undefined) {
          writer.addError(record, {
            errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
            errorMessage: `partition key "${k}" used by the prefix is missing from the record's metadata.partitionKeys`,
            attemptsMade,
            attemptEndingTimestamp: options.now(),
          });
          return;
        }
        picked[k] = v;
        id += v + '\u0000';
      }
      if (!buffers.has(id)) {
        const sample = evaluatePrefix({ kind: 'data', partitionKeys: picked, oldestArrival: record.arrival }, () => SAMPLE_RANDOM);
        if (sample.length > MAX_EVALUATED_PREFIX_CHARS) {
          writer.addError(record, { errorCode: 'DynamicPartitioning.InvalidPrefix', attemptsMade, attemptEndingTimestamp: options.now() });
          return;
        }
      }
      add(id, 'data', picked, record, body);
    },
    addError(record, failure) {
      metrics.recordsFailed.inc({ error_code: failure.errorCode });
      add(ERROR_BUFFER, 'error', undefined, record, Buffer.from(errorOutputLine(record, failure, options.lambdaArn)));
    },
    tick() {
      const now = Date.now();
      for (const [id, b] of buffers) if (now - b.openedAt >= options.bufferIntervalMs) cut(id, b);
    },
    flush() {
      for (const [id, b] of [...buffers]) cut(id, b);
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    abort() {
      abort.abort();
      queue.length = 0;
      settleIdle();
    },
    stats: () => ({
      bufferedRecords,
      bufferedBytes,
      openBuffers: buffers.size,
      pendingObjects: queue.length + inFlight,
      objectsWritten,
      errorObjectsWritten,
    }),
  };

  function settleIdle(): void {
    if (queue.length > 0 || inFlight > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function pump(): void {
    while (inFlight < options.maxConcurrentUploads && queue.length > 0 && !abort.signal.aborted) {
      const object = queue.shift() as PendingObject;
      inFlight++;
      void upload(object).finally(() => {
        inFlight--;
        pump();
        settleIdle();
      });
    }
  }

  async function upload(object: PendingObject): Promise<void> {
    const raw = object.chunks.length === 1 ? (object.chunks[0] as Buffer) : Buffer.concat(object.chunks, object.bytes);
    const body = options.compression === 'GZIP' ? await gzip(raw) : raw;
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      try {
        // The key is fixed before the first attempt, so a retry after an ambiguous failure overwrites, never duplicates.
        await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: object.key, Body: body }), {
          abortSignal: abort.signal,
        });
      } catch (err) {
        if (abort.signal.aborted) break;
        const name = errorName(err);
        metrics.s3Errors.inc({ error_code: name });
        const delay = backoffDelay(attempt + 1, { baseMs: options.retryBaseMs, maxMs: options.retryMaxMs });
        logger.warn(
          { err: new DeliveryError('TG_ERR_DELIVERY_S3', `PutObject ${object.key} failed: ${name}`, { cause: err }), attempt, delayMs: delay },
          'S3 write failed; retrying',
        );
        await sleep(delay, abort.signal);
        continue;
      }
      const now = options.now();
      if (object.kind === 'data') {
        objectsWritten++;
        metrics.recordsDelivered.inc(object.records.length);
      } else {
        errorObjectsWritten++;
      }
      metrics.objectsWritten.inc({ kind: object.kind });
      metrics.objectBytes.inc({ kind: object.kind }, body.length);
      for (const r of object.records) metrics.deliveryLatency.observe({ kind: object.kind }, Math.max(0, now - r.arrival) / 1000);
      logger.debug({ key: object.key, records: object.records.length, bytes: body.length, kind: object.kind }, 'S3 object written');
      options.onWritten(object.records, object.kind, object.key);
      return;
    }
    logger.warn({ key: object.key, records: object.records.length }, 'S3 write abandoned at close; records stay uncheckpointed');
  }

  return writer;
}
