/**
 * The delivery half every delivery stream shares, whatever its source (a Kinesis stream read by shard readers, or
 * Direct PUT): processor buffer → transform → S3 buffers → objects, with the buffered-bytes budget that holds the
 * source back, the interval ticker, and the flush/close drain. A source hands records in with `accept`, and learns
 * through its own `complete` callback when each one is safely done (in S3, in the error output, or dropped).
 */
import type { Logger } from 'pino';
import type { Failure } from './s3-writer/error-output.js';
import type { DeliveryTransform } from './transform/invoke.js';
import { MIB } from './limits.js';
import type { DeliveryMetrics } from './metrics.js';
import { DEFAULT_DELIVERY_RUNNER_OPTIONS, type DeliveryOptions } from './options.js';
import type { CompiledPrefix } from './s3-writer/prefix.js';
import { createProcessor, type Processor } from './transform/processor.js';
import type { DeliveryTransformEvent, SourceRecord } from './records/records.js';
import { createS3Writer } from './s3-writer/s3-writer.js';

export interface DeliveryPipelineOptions extends Omit<DeliveryOptions, 'prefix' | 'errorOutputPrefix'> {
  deliveryStreamName: string;
  prefix: CompiledPrefix;
  errorOutputPrefix: CompiledPrefix;
  /** Set when `transform` is. */
  lambdaArn: string | undefined;
  /** Fixed fields of every transform event. */
  event: Pick<DeliveryTransformEvent, 'deliveryStreamArn' | 'sourceKinesisStreamArn' | 'region'>;
  metrics: DeliveryMetrics;
  logger: Logger;
  now: () => number;
  /** The source's bookkeeping for a record that is done (checkpoint progress, spool watermark). */
  complete: (record: SourceRecord) => void;
}

export interface DeliveryPipelineCounters {
  recordsRead: number;
  recordsDelivered: number;
  recordsDropped: number;
  recordsFailed: number;
  objectsWritten: number;
  errorObjectsWritten: number;
  invocations: number;
  /** Record bytes accepted and not yet done. */
  bufferedBytes: number;
}

export interface DeliveryPipeline {
  /** A record from the source, in source order. */
  accept(record: SourceRecord): void;
  /** A record that cannot be delivered (e.g. a corrupt KPL aggregate): straight to the error output. */
  fail(record: SourceRecord, failure: Failure): void;
  /** End of a batch from the source (a GetRecords page, a PutRecordBatch): a zero processor interval invokes now. */
  endOfBatch(): void;
  /** Resolves once the buffered bytes are under `maxBufferedMB` (at once if they are), or when `signal` aborts. */
  waitForCapacity(signal: AbortSignal): Promise<void>;
  /** Cuts every buffer now and resolves when all of it is written. */
  drain(): Promise<void>;
  /**
   * Stops the interval ticker and drains for at most `timeoutMs`; past that, gives up on what is left (it is not
   * completed, so the source delivers it again after a restart). Resolves true when everything was drained.
   */
  close(timeoutMs: number): Promise<boolean>;
  counters(): DeliveryPipelineCounters;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const d = DEFAULT_DELIVERY_RUNNER_OPTIONS;
  const { metrics, logger, now } = options;
  let recordsRead = 0;
  let recordsDelivered = 0;
  let recordsDropped = 0;
  let recordsFailed = 0;
  let bufferedBytes = 0;
  const maxBufferedBytes = (options.maxBufferedMB ?? d.maxBufferedMB) * MIB;
  let capacityWaiters: (() => void)[] = [];

  const complete = (r: SourceRecord): void => {
    options.complete(r);
    bufferedBytes -= r.data.length;
    if (bufferedBytes < maxBufferedBytes && capacityWaiters.length > 0) {
      const waiters = capacityWaiters;
      capacityWaiters = [];
      for (const w of waiters) w();
    }
  };

  const writer = createS3Writer({
    s3: options.s3,
    bucket: options.bucket,
    deliveryStreamName: options.deliveryStreamName,
    deliveryStreamVersion: options.deliveryStreamVersion ?? d.deliveryStreamVersion,
    prefix: options.prefix,
    errorOutputPrefix: options.errorOutputPrefix,
    compression: options.compression ?? d.compression,
    bufferBytes: (options.bufferSizeMB ?? d.bufferSizeMB) * MIB,
    bufferIntervalMs: (options.bufferIntervalS ?? d.bufferIntervalS) * 1000,
    maxConcurrentUploads: options.maxConcurrentUploads ?? d.maxConcurrentUploads,
    retryBaseMs: options.retryBaseMs ?? d.retryBaseMs,
    retryMaxMs: options.retryMaxMs ?? d.retryMaxMs,
    lambdaArn: options.lambdaArn,
    now,
    metrics,
    logger,
    onWritten(records, kind) {
      if (kind === 'error') recordsFailed += records.length;
      else recordsDelivered += records.length;
      for (const r of records) complete(r);
    },
  });

  const transform: DeliveryTransform | undefined = options.transform;
  const processor: Processor | undefined =
    transform === undefined
      ? undefined
      : createProcessor({
          transform,
          lambdaArn: options.lambdaArn as string,
          numberOfRetries: options.numberOfRetries ?? d.numberOfRetries,
          invocationTimeoutMs: options.invocationTimeoutMs ?? d.invocationTimeoutMs,
          retryDelayMs: options.invocationRetryDelayMs ?? d.invocationRetryDelayMs,
          bufferBytes: (options.processorBufferSizeMB ?? d.processorBufferSizeMB) * MIB,
          bufferIntervalMs: (options.processorBufferIntervalS ?? d.processorBufferIntervalS) * 1000,
          event: options.event,
          now,
          metrics,
          logger,
          onOk: (r, data, partitionKeys, attempts) => writer.addData(r, data, partitionKeys, attempts),
          onDropped(r) {
            recordsDropped++;
            metrics.recordsDropped.inc();
            complete(r);
          },
          onFailed: (r, failure) => writer.addError(r, failure),
        });

  const take = (record: SourceRecord): void => {
    recordsRead++;
    bufferedBytes += record.data.length;
    metrics.recordsRead.inc();
  };

  const processorIntervalMs = (options.processorBufferIntervalS ?? d.processorBufferIntervalS) * 1000;
  const bufferIntervalMs = (options.bufferIntervalS ?? d.bufferIntervalS) * 1000;
  // Interval hints are checked a few times per interval: objects are at most a quarter-interval late.
  const tickMs = Math.min(250, Math.max(10, Math.min(processor === undefined ? Infinity : processorIntervalMs, bufferIntervalMs) / 4));
  const ticker = setInterval(() => {
    processor?.tick();
    writer.tick();
    metrics.bufferedBytes.set(bufferedBytes);
  }, tickMs);

  const drain = async (): Promise<void> => {
    await processor?.flush();
    await writer.flush();
  };

  return {
    accept(record) {
      take(record);
      if (processor !== undefined) processor.add(record);
      else writer.addData(record, record.data, undefined, 0);
    },
    fail(record, failure) {
      take(record);
      writer.addError(record, failure);
    },
    endOfBatch() {
      processor?.endOfPage();
      metrics.bufferedBytes.set(bufferedBytes);
    },
    waitForCapacity(signal) {
      if (bufferedBytes < maxBufferedBytes || signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        capacityWaiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    drain,
    async close(timeoutMs) {
      clearInterval(ticker);
      const drained = drain();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        logger.warn({ bufferedBytes }, 'close timed out writing to S3; the rest is delivered again after the next start');
        processor?.abort();
        writer.abort();
        await drained;
      }
      return !timedOut;
    },
    counters() {
      const w = writer.stats();
      return {
        recordsRead,
        recordsDelivered,
        recordsDropped,
        recordsFailed,
        objectsWritten: w.objectsWritten,
        errorObjectsWritten: w.errorObjectsWritten,
        invocations: processor?.stats().invocations ?? 0,
        bufferedBytes,
      };
    },
  };
}
