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
import { createCheckpointWriter, saveCheckpoint, type CheckpointState } from './checkpoint/checkpoint.js';
import { DeliveryError } from './errors.js';
import { createIntake } from './records/intake.js';
import { createDeliveryMetrics, type DeliveryMetrics } from './metrics.js';
import { checkOptions, DEFAULT_DELIVERY_RUNNER_OPTIONS, type DeliveryRunnerOptions } from './options.js';
import { compilePrefix } from './s3-writer/prefix.js';
import { createDeliveryPipeline, type DeliveryPipelineCounters } from './pipeline.js';
import type { ShardPosition } from './checkpoint/progress.js';
import { describeSource, loadMatchingCheckpoint } from './source/source.js';
import { startShardReader } from './source/shard-reader.js';
import { createShardCoordinator, type ShardStatus } from './source/shards.js';

/** Progress per shard, plus the delivery counters (records read, delivered, dropped, failed; objects; bytes buffered). */
export interface DeliveryRunnerStats extends DeliveryPipelineCounters {
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
  let kinesisRecordsRead = 0;
  const pipeline = createDeliveryPipeline({
    ...options,
    deliveryStreamName,
    prefix,
    errorOutputPrefix,
    lambdaArn,
    event: { deliveryStreamArn, sourceKinesisStreamArn, region },
    metrics,
    logger,
    now,
    complete: (r) => r.entry?.progress.complete(r.entry, r.subsequenceNumber),
  });

  const snapshot = (): CheckpointState => ({ ...identity, updatedAt: now(), shards: coordinator.snapshot() });
  const checkpoint = createCheckpointWriter(options.checkpointPath, snapshot, {
    onError: (err) => logger.error({ err }, 'checkpoint write failed; retried at the next progress'),
    onSaved: () => metrics.checkpointWrites.inc(),
  });

  const intake = createIntake({
    state: (id) => coordinator.state(id),
    now,
    metrics,
    deliver: (record) => pipeline.accept(record),
    corrupt(record, err) {
      logger.warn({ shardId: record.shardId, sequenceNumber: record.sequenceNumber, code: err.code }, 'corrupt KPL aggregate sent to the error output');
      pipeline.fail(record, {
        errorCode: 'Kinesis.DeaggregationFailed',
        errorMessage: `${err.code}: ${err.message}`,
        attemptsMade: 0,
        attemptEndingTimestamp: now(),
      });
    },
    endOfPage: () => pipeline.endOfBatch(),
  });

  const onRecords = (shardId: string, records: readonly _Record[]): void => {
    kinesisRecordsRead += records.length;
    intake(shardId, records);
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
        waitForCapacity: (signal) => pipeline.waitForCapacity(signal),
        onRecords,
        onEnd: (id) => coordinator.ended(id),
        metrics,
        logger,
      }),
  });

  await coordinator.refresh();

  const discovery = setInterval(() => void coordinator.refresh(), options.shardDiscoveryIntervalMs ?? d.shardDiscoveryIntervalMs);
  logger.info(
    { deliveryStreamArn, sourceKinesisStreamArn, bucket: options.bucket, prefix: prefix.template, transform: lambdaArn ?? null, resumed: loaded !== undefined },
    'delivery runner started',
  );

  let closing: Promise<void> | undefined;

  return {
    deliveryStreamArn,
    sourceKinesisStreamArn,
    metrics,
    async flush() {
      if (closing !== undefined) throw new DeliveryError('TG_ERR_DELIVERY_CLOSED', 'flush() after close()');
      await pipeline.drain();
      await checkpoint.saveNow();
    },
    close() {
      closing ??= (async () => {
        clearInterval(discovery);
        await coordinator.stop();
        await pipeline.close(options.closeTimeoutMs ?? d.closeTimeoutMs);
        await checkpoint.saveNow();
        const { recordsRead, recordsDropped, recordsFailed } = pipeline.counters();
        logger.info({ recordsRead, recordsDropped, recordsFailed }, 'delivery runner closed');
      })();
      return closing;
    },
    stats() {
      const c = pipeline.counters();
      return {
        shards: coordinator.states().map((s) => ({
          shardId: s.shardId,
          status: s.status,
          position: s.progress.position(),
          pending: s.progress.pending(),
          millisBehindLatest: s.reader?.stats().millisBehindLatest,
        })),
        kinesisRecordsRead,
        ...c,
        checkpointWrites: checkpoint.writes,
      };
    },
  };
}
