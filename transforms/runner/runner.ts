/**
 * The local delivery runner: Firehose's KDS → (Lambda) → S3 delivery with the same semantics, on the AWS SDK, so it
 * runs unchanged against kinesalite + s3rver (local mode) or real Kinesis + S3 (self-hosted delivery).
 *
 * ```
 * shard readers (shards.ts, shard-reader.ts) → deaggregate (KPL, MD5 checked) → processor (processor.ts: buffer,
 * invoke, validate, retry) → S3 writer (s3-writer.ts: partition buffers, objects, error output) → checkpoint
 * ```
 * At-least-once: a shard's checkpoint only passes records that are in S3 (or Dropped); a restart resumes after it.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { pino, type Logger } from 'pino';
import { createCheckpointWriter, saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { DeliveryError } from './errors.js';
import { createIntake } from './intake.js';
import { MIB } from './limits.js';
import { createDeliveryMetrics, type DeliveryMetrics } from './metrics.js';
import { checkOptions, DEFAULT_DELIVERY_RUNNER_OPTIONS, type DeliveryRunnerOptions } from './options.js';
import { compilePrefix } from './prefix.js';
import { createProcessor, type Processor } from './processor.js';
import type { ShardPosition } from './progress.js';
import type { SourceRecord } from './records.js';
import { createS3Writer } from './s3-writer.js';
import { describeSource, loadMatchingCheckpoint } from './source.js';
import { startShardReader } from './shard-reader.js';
import { createShardCoordinator, type ShardStatus } from './shards.js';

export interface DeliveryRunnerStats {
  shards: Array<{
    shardId: string;
    status: ShardStatus;
    /** The checkpointable position (everything up to it is in S3 or dropped). */
    position: ShardPosition | undefined;
    /** Kinesis records read and not fully delivered. */
    pending: number;
    millisBehindLatest: number | undefined;
  }>;
  kinesisRecordsRead: number;
  recordsRead: number;
  recordsDelivered: number;
  recordsDropped: number;
  recordsFailed: number;
  objectsWritten: number;
  errorObjectsWritten: number;
  invocations: number;
  /** Record bytes read and not yet in S3. */
  bufferedBytes: number;
  checkpointWrites: number;
}

export interface DeliveryRunner {
  /** `arn:aws:firehose:<region>:<account>:deliverystream/<name>`, as sent in every event. */
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn: string;
  readonly metrics: DeliveryMetrics;
  /**
   * Delivers everything read so far, now: invokes the transform on the processor buffer, writes every S3 buffer,
   * saves the checkpoint. Reading continues.
   */
  flush(): Promise<void>;
  /**
   * Stops reading, delivers what was read (up to `closeTimeoutMs`; what is left is re-read at the next start),
   * saves the checkpoint, and clears every timer. The clients are the caller's to destroy. Idempotent.
   */
  close(): Promise<void>;
  stats(): DeliveryRunnerStats;
}

/** Starts a runner: describes the source stream, loads the checkpoint, lists shards and starts reading. */
export async function startDeliveryRunner(options: DeliveryRunnerOptions): Promise<DeliveryRunner> {
  checkOptions(options);
  const d = DEFAULT_DELIVERY_RUNNER_OPTIONS;
  const now = options.now ?? Date.now;
  const logger: Logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'delivery' });
  const deliveryStreamName = options.deliveryStreamName ?? d.deliveryStreamName;
  const prefix = compilePrefix(options.prefix, 'prefix');
  const errorOutputPrefix = compilePrefix(options.errorOutputPrefix ?? d.errorOutputPrefix, 'errorOutputPrefix');
  if (prefix.partitionKeys.length > 0 && options.transform === undefined) {
    throw new DeliveryError('TG_ERR_DELIVERY_CONFIG', 'prefix: !{partitionKeyFromLambda:…} needs a transform', {
      detail: { setting: 'prefix' },
    });
  }
  const { kinesis } = options;
  const source = await describeSource(kinesis, options.stream, { region: options.region, accountId: options.accountId, fallbackAccountId: d.fallbackAccountId });
  const { region, account, sourceKinesisStreamArn, streamName, streamCreatedAt, target: stream } = source;
  const deliveryStreamArn = `arn:aws:firehose:${region}:${account}:deliverystream/${deliveryStreamName}`;
  const lambdaArn = options.transform === undefined ? undefined : (options.lambdaArn ?? `arn:aws:lambda:${region}:${account}:function:${d.lambdaFunctionName}`);
  const loaded = await loadMatchingCheckpoint(options.checkpointPath, source, deliveryStreamName, logger);
  const createdAt = loaded?.createdAt ?? now();
  const identity = { version: 1 as const, deliveryStreamName, streamName, ...(streamCreatedAt === undefined ? {} : { streamCreatedAt }), createdAt };
  // Persist createdAt (the "creation" LATEST refers to) before reading anything; an unwritable checkpoint fails the
  // start rather than re-delivering everything after every restart.
  if (options.checkpointPath !== undefined) {
    await saveCheckpoint(options.checkpointPath, { ...identity, updatedAt: now(), shards: loaded?.shards ?? {} });
  }
  // Registered only now: a start that failed above can be retried with the same registry.
  const metrics = createDeliveryMetrics(options.registry);

  // ── counters for stats() ──
  let kinesisRecordsRead = 0;
  let recordsRead = 0;
  let recordsDelivered = 0;
  let recordsDropped = 0;
  let recordsFailed = 0;
  let bufferedBytes = 0;
  const maxBufferedBytes = (options.maxBufferedMB ?? d.maxBufferedMB) * MIB;
  let capacityWaiters: (() => void)[] = [];

  const complete = (r: SourceRecord): void => {
    r.entry.progress.complete(r.entry, r.subsequenceNumber);
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
    deliveryStreamName,
    deliveryStreamVersion: options.deliveryStreamVersion ?? d.deliveryStreamVersion,
    prefix,
    errorOutputPrefix,
    compression: options.compression ?? d.compression,
    bufferBytes: (options.bufferSizeMB ?? d.bufferSizeMB) * MIB,
    bufferIntervalMs: (options.bufferIntervalS ?? d.bufferIntervalS) * 1000,
    maxConcurrentUploads: options.maxConcurrentUploads ?? d.maxConcurrentUploads,
    retryBaseMs: options.retryBaseMs ?? d.retryBaseMs,
    retryMaxMs: options.retryMaxMs ?? d.retryMaxMs,
    lambdaArn,
    now,
    metrics,
    logger,
    onWritten(records, kind) {
      if (kind === 'error') recordsFailed += records.length;
      else recordsDelivered += records.length;
      for (const r of records) complete(r);
    },
  });

  const processor: Processor | undefined =
    options.transform === undefined
      ? undefined
      : createProcessor({
          transform: options.transform,
          lambdaArn: lambdaArn as string,
          numberOfRetries: options.numberOfRetries ?? d.numberOfRetries,
          invocationTimeoutMs: options.invocationTimeoutMs ?? d.invocationTimeoutMs,
          retryDelayMs: options.invocationRetryDelayMs ?? d.invocationRetryDelayMs,
          bufferBytes: (options.processorBufferSizeMB ?? d.processorBufferSizeMB) * MIB,
          bufferIntervalMs: (options.processorBufferIntervalS ?? d.processorBufferIntervalS) * 1000,
          event: { deliveryStreamArn, sourceKinesisStreamArn, region },
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

  const snapshot = (): CheckpointState => ({ ...identity, updatedAt: now(), shards: coordinator.snapshot() });
  const checkpoint = createCheckpointWriter(options.checkpointPath, snapshot, {
    onError: (err) => logger.error({ err }, 'checkpoint write failed; retried at the next progress'),
    onSaved: () => metrics.checkpointWrites.inc(),
  });

  const accept = (record: SourceRecord): void => {
    recordsRead++;
    bufferedBytes += record.data.length;
    metrics.recordsRead.inc();
  };
  const intake = createIntake({
    state: (id) => coordinator.state(id),
    now,
    metrics,
    deliver(record) {
      accept(record);
      if (processor !== undefined) processor.add(record);
      else writer.addData(record, record.data, undefined, 0);
    },
    corrupt(record, err) {
      accept(record);
      logger.warn({ shardId: record.shardId, sequenceNumber: record.sequenceNumber, code: err.code }, 'corrupt KPL aggregate sent to the error output');
      writer.addError(record, {
        errorCode: 'Kinesis.DeaggregationFailed',
        errorMessage: `${err.code}: ${err.message}`,
        attemptsMade: 0,
        attemptEndingTimestamp: now(),
      });
    },
    endOfPage() {
      processor?.endOfPage();
      metrics.bufferedBytes.set(bufferedBytes);
    },
  });

  const onRecords = (shardId: string, records: readonly _Record[]): void => {
    kinesisRecordsRead += records.length;
    intake(shardId, records);
  };

  const waitForCapacity = (signal: AbortSignal): Promise<void> => {
    if (bufferedBytes < maxBufferedBytes || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      capacityWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  };

  const coordinator = createShardCoordinator({
    kinesis,
    stream,
    checkpoint: loaded?.shards ?? {},
    startingPosition: options.startingPosition ?? d.startingPosition,
    createdAt,
    firstStart: loaded === undefined,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    logger,
    onProgress: () => checkpoint.request(),
    startReader: (shardId, start) =>
      startShardReader({
        kinesis,
        stream,
        shardId,
        start,
        pollIntervalMs: options.pollIntervalMs ?? d.pollIntervalMs,
        requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
        retryBaseMs: options.retryBaseMs ?? d.retryBaseMs,
        retryMaxMs: options.retryMaxMs ?? d.retryMaxMs,
        waitForCapacity,
        onRecords,
        onEnd: (id) => coordinator.ended(id),
        metrics,
        logger,
      }),
  });

  await coordinator.refresh();

  const processorIntervalMs = (options.processorBufferIntervalS ?? d.processorBufferIntervalS) * 1000;
  const bufferIntervalMs = (options.bufferIntervalS ?? d.bufferIntervalS) * 1000;
  // Interval hints are checked a few times per interval: objects are at most a quarter-interval late.
  const tickMs = Math.min(250, Math.max(10, Math.min(processor === undefined ? Infinity : processorIntervalMs, bufferIntervalMs) / 4));
  const ticker = setInterval(() => {
    processor?.tick();
    writer.tick();
    metrics.bufferedBytes.set(bufferedBytes);
  }, tickMs);
  const discovery = setInterval(() => void coordinator.refresh(), options.shardDiscoveryIntervalMs ?? d.shardDiscoveryIntervalMs);
  logger.info(
    { deliveryStreamArn, sourceKinesisStreamArn, bucket: options.bucket, prefix: prefix.template, transform: lambdaArn ?? null, resumed: loaded !== undefined },
    'delivery runner started',
  );

  let closing: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    await processor?.flush();
    await writer.flush();
  };

  return {
    deliveryStreamArn,
    sourceKinesisStreamArn,
    metrics,
    async flush() {
      if (closing !== undefined) throw new DeliveryError('TG_ERR_DELIVERY_CLOSED', 'flush() after close()');
      await drain();
      await checkpoint.saveNow();
    },
    close() {
      closing ??= (async () => {
        clearInterval(ticker);
        clearInterval(discovery);
        await coordinator.stop();
        const drained = drain();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          drained.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), options.closeTimeoutMs ?? d.closeTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          logger.warn({ bufferedBytes }, 'close timed out writing to S3; the rest is re-read from Kinesis at the next start');
          processor?.abort();
          writer.abort();
          await drained;
        }
        await checkpoint.saveNow();
        logger.info({ recordsRead, recordsDropped, recordsFailed }, 'delivery runner closed');
      })();
      return closing;
    },
    stats() {
      const w = writer.stats();
      return {
        shards: coordinator.states().map((s) => ({
          shardId: s.shardId,
          status: s.status,
          position: s.progress.position(),
          pending: s.progress.pending(),
          millisBehindLatest: s.reader?.stats().millisBehindLatest,
        })),
        kinesisRecordsRead,
        recordsRead,
        recordsDelivered,
        recordsDropped,
        recordsFailed,
        objectsWritten: w.objectsWritten,
        errorObjectsWritten: w.errorObjectsWritten,
        invocations: processor?.stats().invocations ?? 0,
        bufferedBytes,
        checkpointWrites: checkpoint.writes,
      };
    },
  };
}
