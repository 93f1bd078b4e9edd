/**
 * A Direct PUT delivery stream: records arrive through PutRecord/PutRecordBatch and go through the same processor
 * (transform), S3 buffers and writer as the Kinesis-sourced runner.
 *
 * Durability: like Firehose, a record is acknowledged (given a RecordId) only once it is durable. Here that is the
 * gateway's write-ahead spool (group commit + fdatasync); a drain loop feeds the spool to the delivery pipeline in
 * arrival order and marks each record done once it is in S3 (or the error output, or dropped). A restart replays
 * everything not done: delivery is at-least-once, as with Firehose.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { openSpool, type Spool, type SpoolEntry } from '../../../common/spool/index.js';
import { DeliveryError } from '../errors.js';
import { createDeliveryMetrics, type DeliveryMetrics } from '../metrics.js';
import { checkDeliveryOptions, DEFAULT_DELIVERY_RUNNER_OPTIONS, type DeliveryOptions } from '../options.js';
import { createDeliveryPipeline, type DeliveryPipelineCounters } from '../pipeline.js';
import { compilePrefix } from '../s3-writer/prefix.js';
import type { SourceRecord } from '../records/records.js';
import type { PutResult } from './protocol.js';

export interface DirectPutStreamOptions extends DeliveryOptions {
  /** Directory of the stream's durable intake (spool segments) and identity file; created if missing. */
  dir: string;
  /** Cap on the bytes waiting in the intake; at the cap PutRecordBatch answers ServiceUnavailableException. Default 256 MiB. */
  intakeMaxBytes?: number;
  /** fdatasync the intake (only tests of logic turn this off). Default true. */
  fsync?: boolean;
}

export interface DirectPutStreamDescription {
  name: string;
  arn: string;
  /** Epoch ms of the stream's first start (persisted). */
  createdAt: number;
  region: string;
  account: string;
  bucket: string;
  prefix: string;
  errorOutputPrefix: string;
  bufferSizeMB: number;
  bufferIntervalS: number;
  lambdaArn: string | undefined;
  compression: string;
  version: number;
}

export interface DirectPutStreamStats extends DeliveryPipelineCounters {
  /** Records accepted (durable) since start. */
  recordsAccepted: number;
  /** Records refused with ServiceUnavailableException (intake full or failing). */
  recordsRefused: number;
  /** Accepted records not yet done (in the intake). */
  pending: number;
  /** Records replayed from the intake at start. */
  replayed: number;
}

export interface DirectPutStream {
  readonly description: DirectPutStreamDescription;
  readonly metrics: DeliveryMetrics;
  /**
   * Accepts records, in order: resolves once each is durable, with its RecordId, or with a per-record
   * ServiceUnavailableException while the intake is full or its disk fails (the caller retries those).
   */
  put(records: readonly Buffer[]): Promise<PutResult[]>;
  /** Delivers everything accepted so far to S3 now. */
  flush(): Promise<void>;
  /** Stops the drain; what is not in S3 yet stays in the intake for the next start. Idempotent. */
  close(): Promise<void>;
  stats(): DirectPutStreamStats;
}

interface Identity {
  name: string;
  createdAt: number;
}

async function loadIdentity(dir: string, name: string, now: () => number): Promise<Identity> {
  const path = join(dir, 'stream.json');
  try {
    const loaded = JSON.parse(await readFile(path, 'utf8')) as Partial<Identity>;
    if (loaded.name === name && typeof loaded.createdAt === 'number') return { name, createdAt: loaded.createdAt };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
  }
  const identity = { name, createdAt: now() };
  await writeFile(`${path}.tmp`, JSON.stringify(identity));
  await rename(`${path}.tmp`, path);
  return identity;
}

/** Digits only, like AWS's ids: the stream's creation time then the intake position, unique per delivery stream. */
function recordIdOf(createdAt: number, lsn: number): string {
  return String(createdAt).padStart(14, '0') + String(lsn).padStart(20, '0');
}

export async function startDirectPutStream(options: DirectPutStreamOptions): Promise<DirectPutStream> {
  checkDeliveryOptions(options);
  const d = DEFAULT_DELIVERY_RUNNER_OPTIONS;
  const now = options.now ?? Date.now;
  const name = options.deliveryStreamName ?? d.deliveryStreamName;
  const logger: Logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'delivery', deliveryStream: name });
  const prefix = compilePrefix(options.prefix, 'prefix');
  const errorOutputPrefix = compilePrefix(options.errorOutputPrefix ?? d.errorOutputPrefix, 'errorOutputPrefix');
  if (prefix.partitionKeys.length > 0 && options.transform === undefined) {
    throw new DeliveryError('TG_ERR_DELIVERY_CONFIG', 'prefix: !{partitionKeyFromLambda:…} needs a transform', { detail: { setting: 'prefix' } });
  }
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? d.fallbackAccountId;
  const arn = `arn:aws:firehose:${region}:${account}:deliverystream/${name}`;
  const lambdaArn = options.transform === undefined ? undefined : (options.lambdaArn ?? `arn:aws:lambda:${region}:${account}:function:${d.lambdaFunctionName}`);

  let spool: Spool;
  let identity: Identity;
  try {
    await mkdir(options.dir, { recursive: true });
    identity = await loadIdentity(options.dir, name, now);
    spool = await openSpool({
      dir: join(options.dir, 'intake'),
      maxBytes: options.intakeMaxBytes ?? 256 * 1024 * 1024,
      segmentBytes: 16 * 1024 * 1024,
      ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
      logger,
      now,
    });
  } catch (err) {
    throw new DeliveryError('TG_ERR_DELIVERY_INTAKE', `delivery stream ${name}: the intake in ${options.dir} cannot be opened: ${(err as Error).message}`, {
      cause: err,
      detail: { dir: options.dir },
    });
  }
  const replayed = spool.stats().replayedEntries;
  const metrics = createDeliveryMetrics(options.registry);
  const lsnOf = new WeakMap<SourceRecord, number>();
  const pipeline = createDeliveryPipeline({
    ...options,
    deliveryStreamName: name,
    prefix,
    errorOutputPrefix,
    lambdaArn,
    event: { deliveryStreamArn: arn, region },
    metrics,
    logger,
    now,
    complete(r) {
      const lsn = lsnOf.get(r);
      if (lsn !== undefined) spool.markDone(lsn);
    },
  });

  let recordsAccepted = 0;
  let recordsRefused = 0;
  const stop = new AbortController();

  const toRecord = (e: SpoolEntry): SourceRecord => {
    const record: SourceRecord = {
      directPut: true,
      shardId: '',
      sequenceNumber: recordIdOf(identity.createdAt, e.lsn),
      subsequenceNumber: 0,
      partitionKey: '',
      arrival: e.appendedAt,
      data: e.data,
    };
    lsnOf.set(record, e.lsn);
    return record;
  };

  let entriesRead = 0;
  const stopped = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));

  // The drain: intake → pipeline in arrival order, as fast as the pipeline's buffer budget allows.
  const drained = (async (): Promise<void> => {
    while (!stop.signal.aborted) {
      await pipeline.waitForCapacity(stop.signal);
      if (stop.signal.aborted) break;
      // What a read still pending at the stop returns stays in the intake (not done): replayed at the next start.
      const entries = await Promise.race([spool.read(500, 4 * 1024 * 1024), stopped.then(() => [])]);
      if (stop.signal.aborted || entries.length === 0) break;
      for (const e of entries) pipeline.accept(toRecord(e));
      entriesRead += entries.length;
      pipeline.endOfBatch();
    }
  })().catch((err: unknown) => logger.error({ err }, 'direct put drain stopped'));

  logger.info({ deliveryStreamArn: arn, bucket: options.bucket, prefix: prefix.template, transform: lambdaArn ?? null, replayed }, 'direct put delivery stream started');

  let closing: Promise<void> | undefined;
  return {
    description: {
      name,
      arn,
      createdAt: identity.createdAt,
      region,
      account,
      bucket: options.bucket,
      prefix: prefix.template,
      errorOutputPrefix: errorOutputPrefix.template,
      bufferSizeMB: options.bufferSizeMB ?? d.bufferSizeMB,
      bufferIntervalS: options.bufferIntervalS ?? d.bufferIntervalS,
      lambdaArn,
      compression: options.compression ?? d.compression,
      version: options.deliveryStreamVersion ?? d.deliveryStreamVersion,
    },
    metrics,
    async put(records) {
      if (closing !== undefined || spool.blocked) {
        recordsRefused += records.length;
        const errorMessage = closing !== undefined ? 'The delivery stream is shutting down.' : 'Slow down.';
        return records.map(() => ({ errorCode: 'ServiceUnavailableException' as const, errorMessage }));
      }
      const settled = await Promise.allSettled(records.map((r) => spool.append('', r)));
      return settled.map((s): PutResult => {
        if (s.status === 'fulfilled') {
          recordsAccepted++;
          return { recordId: recordIdOf(identity.createdAt, s.value) };
        }
        recordsRefused++;
        return { errorCode: 'InternalFailure', errorMessage: 'The record could not be stored.' };
      });
    },
    async flush() {
      // Everything accepted so far: wait for the drain to have read it, then cut every buffer.
      const target = replayed + recordsAccepted;
      while (entriesRead < target && !stop.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
      await pipeline.drain();
    },
    close() {
      closing ??= (async () => {
        stop.abort();
        await drained;
        // Delivered records are marked done while the intake is still open, so its watermark covers them.
        await pipeline.close(options.closeTimeoutMs ?? d.closeTimeoutMs);
        await spool.close();
        const { recordsRead, recordsDropped, recordsFailed } = pipeline.counters();
        logger.info({ recordsAccepted, recordsRead, recordsDropped, recordsFailed }, 'direct put delivery stream closed');
      })();
      return closing;
    },
    stats() {
      return { ...pipeline.counters(), recordsAccepted, recordsRefused, pending: spool.stats().entries, replayed };
    },
  };
}
