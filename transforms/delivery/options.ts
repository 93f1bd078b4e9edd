/**
 * Options of {@link startDeliveryRunner}: one typed object, every default in {@link DEFAULT_DELIVERY_RUNNER_OPTIONS},
 * each checked against the Firehose range it mirrors (Firehose API Reference, ProcessorParameter and BufferingHints;
 * see limits.ts).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DeliveryError } from './errors.js';
import type { DeliveryTransform } from './transform/invoke.js';
import {
  MAX_BUFFER_INTERVAL_S,
  MAX_BUFFER_SIZE_MB,
  MAX_INVOCATION_TIMEOUT_MS,
  MAX_NUMBER_OF_RETRIES,
  MAX_PROCESSOR_BUFFER_INTERVAL_S,
  MAX_PROCESSOR_BUFFER_SIZE_MB,
} from './limits.js';
import type { Compression } from './s3-writer/object-key.js';
import { DEFAULT_ERROR_OUTPUT_PREFIX } from './s3-writer/prefix.js';

/** A delivery stream with a Kinesis data stream as its source. */
export interface DeliveryRunnerOptions extends DeliveryOptions {
  // ── source ──
  /** Kinesis client (use `createKinesisClient` from common/aws/kinesis-client.ts: HTTP/1.1 keep-alive). */
  kinesis: KinesisClient;
  /** Source stream, by name or ARN (`arn:aws:kinesis:region:account:stream/name`). */
  stream: string;
  /**
   * Where a shard with no checkpoint starts. Default `'TRIM_HORIZON'`, so nothing written before the runner first
   * started is missed: a deliberate deviation from AWS, where a delivery stream starts at LATEST as of its creation
   * (Firehose Developer Guide, "Writing to Amazon Firehose Using Kinesis Data Streams"). `'LATEST'` reproduces AWS:
   * records that arrived since the first start (persisted in the checkpoint).
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** GetRecords interval per shard, ms. Default 1000 (Firehose: once per second per shard). */
  pollIntervalMs?: number;
  /** ListShards interval for reshard discovery, ms (a shard that ends triggers one at once). Default 10,000. */
  shardDiscoveryIntervalMs?: number;
  /** Checkpoint JSON file (e.g. `<data dir>/delivery/telemetry-to-s3.checkpoint.json`). Default: none, in memory. */
  checkpointPath?: string;
}

/** What every delivery stream has, whatever its source: identity, processor (Lambda), S3 destination, lifecycle. */
export interface DeliveryOptions {
  // ── delivery stream ──
  /** Default `'telemetry-to-s3'`; part of every object name. */
  deliveryStreamName?: string;
  /** Default 1 (AWS starts at 1 and adds 1 per configuration change); part of every object name. */
  deliveryStreamVersion?: number;
  /** Region in the event's ARNs. Default: the region of the source stream's ARN (DescribeStreamSummary). */
  region?: string;
  /** Account in `deliveryStreamArn`. Default: the account of the source stream's ARN. */
  accountId?: string;

  // ── processor (Lambda) ──
  /** The transform, Lambda signature (e.g. `createTransform({ catalog })`). Default: none, records go to S3 as read. */
  transform?: DeliveryTransform;
  /** `lambdaArn` of error records. Default `arn:aws:lambda:<region>:<account>:function:tidegate-transform`. */
  lambdaArn?: string;
  /** `NumberOfRetries`, 0–300. Default 3 (as on AWS), so a failing batch makes 4 attempts. */
  numberOfRetries?: number;
  /** Invocation timeout, ms, ≤ 300,000 (Lambda's maximum). Default 60,000. */
  invocationTimeoutMs?: number;
  /** Pause between invocation attempts, ms. Default 1000. */
  invocationRetryDelayMs?: number;
  /** Processor `BufferSizeInMBs` (MiB of raw records), (0, 3]. Default 1 (as on AWS). */
  processorBufferSizeMB?: number;
  /** Processor `BufferIntervalInSeconds`, 0–900. Default 1 (AWS: 60), so local data lands within seconds. */
  processorBufferIntervalS?: number;

  // ── S3 destination ──
  s3: S3Client;
  /** Destination bucket. */
  bucket: string;
  /** S3 buffering hint `SizeInMBs` (MiB, before compression), (0, 128]. Default 5 (as on AWS). */
  bufferSizeMB?: number;
  /** S3 buffering hint `IntervalInSeconds`, 0–900. Default 10 (AWS: 300), so local data lands within ~15 s. */
  bufferIntervalS?: number;
  /**
   * S3 prefix with `!{timestamp:…}`, `!{partitionKeyFromLambda:…}`, `!{firehose:random-string}`. Default unset:
   * Firehose's `yyyy/MM/dd/HH/`. Without a timestamp (or partition key) expression, `!{timestamp:yyyy/MM/dd/HH/}`
   * is appended (see README.md, "Decisions on unverified points").
   */
  prefix?: string;
  /** Error output prefix; must contain `!{firehose:error-output-type}`. Default {@link DEFAULT_ERROR_OUTPUT_PREFIX}. */
  errorOutputPrefix?: string;
  /** Default `'UNCOMPRESSED'`. `'GZIP'` adds `.gz` to object names (AWS does not document it; README.md). */
  compression?: Compression;
  /** PutObject calls in flight. Default 4. */
  maxConcurrentUploads?: number;

  // ── resources and lifecycle ──
  /** Record bytes held in memory (read, not yet in S3) before reading pauses, MiB. Default 64. */
  maxBufferedMB?: number;
  /** Kinesis call timeout, ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** First retry delay of Kinesis and S3 calls, ms. Default 200. */
  retryBaseMs?: number;
  /** Retry delay cap, ms. Default 20,000. */
  retryMaxMs?: number;
  /** How long `close()` keeps trying to write the last objects before leaving them to the next start, ms. Default 30,000. */
  closeTimeoutMs?: number;
  /** Prometheus registry for the `tidegate_delivery_*` metrics. Default: a private registry. */
  registry?: Registry;
  /** Clock, epoch ms (error record timestamps, checkpoint times, latency). Default `Date.now`. */
  now?: () => number;
  /** pino logger. Default: silent. */
  logger?: Logger;
}

export const DEFAULT_DELIVERY_RUNNER_OPTIONS = {
  startingPosition: 'TRIM_HORIZON',
  pollIntervalMs: 1000,
  shardDiscoveryIntervalMs: 10_000,
  deliveryStreamName: 'telemetry-to-s3',
  deliveryStreamVersion: 1,
  lambdaFunctionName: 'tidegate-transform',
  numberOfRetries: 3,
  invocationTimeoutMs: 60_000,
  invocationRetryDelayMs: 1000,
  processorBufferSizeMB: 1,
  processorBufferIntervalS: 1,
  bufferSizeMB: 5,
  bufferIntervalS: 10,
  errorOutputPrefix: DEFAULT_ERROR_OUTPUT_PREFIX,
  compression: 'UNCOMPRESSED',
  maxConcurrentUploads: 4,
  maxBufferedMB: 64,
  requestTimeoutMs: 30_000,
  retryBaseMs: 200,
  retryMaxMs: 20_000,
  closeTimeoutMs: 30_000,
  /** Used when the source stream's ARN cannot be read. */
  fallbackAccountId: '000000000000',
} as const;

function configError(setting: string, message: string): DeliveryError {
  return new DeliveryError('TG_ERR_DELIVERY_CONFIG', `${setting}: ${message}`, { detail: { setting } });
}

function checkNumber(setting: string, value: number, min: number, max: number, options: { integer?: boolean; minExclusive?: boolean } = {}): number {
  const low = options.minExclusive === true ? value <= min : value < min;
  if (!Number.isFinite(value) || low || value > max || (options.integer === true && !Number.isInteger(value))) {
    const range = `${options.minExclusive === true ? '(' : '['}${min}, ${max}]`;
    throw configError(setting, `${value} is not ${options.integer === true ? 'an integer ' : ''}in ${range}`);
  }
  return value;
}

/** Validates the numeric and enum options; prefixes are validated by `compilePrefix`. */
export function checkOptions(o: DeliveryRunnerOptions): void {
  const d = DEFAULT_DELIVERY_RUNNER_OPTIONS;
  if (typeof o.stream !== 'string' || o.stream === '') throw configError('stream', 'a stream name or ARN is required');
  checkNumber('pollIntervalMs', o.pollIntervalMs ?? d.pollIntervalMs, 1, 600_000);
  checkNumber('shardDiscoveryIntervalMs', o.shardDiscoveryIntervalMs ?? d.shardDiscoveryIntervalMs, 10, 3_600_000);
  const start = o.startingPosition ?? d.startingPosition;
  if (start !== 'TRIM_HORIZON' && start !== 'LATEST') throw configError('startingPosition', `"${String(start)}" is not TRIM_HORIZON or LATEST`);
  checkDeliveryOptions(o);
}

/** Checks the options every delivery stream has, whatever its source (Kinesis stream or Direct PUT). */
export function checkDeliveryOptions(o: DeliveryOptions): void {
  const d = DEFAULT_DELIVERY_RUNNER_OPTIONS;
  if (typeof o.bucket !== 'string' || o.bucket === '') throw configError('bucket', 'a bucket is required');
  const name = o.deliveryStreamName ?? d.deliveryStreamName;
  // CreateDeliveryStream: DeliveryStreamName is 1–64 characters of [a-zA-Z0-9_.-].
  if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(name)) throw configError('deliveryStreamName', `"${name}" is not 1-64 characters of [a-zA-Z0-9_.-]`);
  checkNumber('deliveryStreamVersion', o.deliveryStreamVersion ?? d.deliveryStreamVersion, 1, Number.MAX_SAFE_INTEGER, { integer: true });
  checkNumber('numberOfRetries', o.numberOfRetries ?? d.numberOfRetries, 0, MAX_NUMBER_OF_RETRIES, { integer: true });
  checkNumber('invocationTimeoutMs', o.invocationTimeoutMs ?? d.invocationTimeoutMs, 1, MAX_INVOCATION_TIMEOUT_MS);
  checkNumber('invocationRetryDelayMs', o.invocationRetryDelayMs ?? d.invocationRetryDelayMs, 0, 600_000);
  checkNumber('processorBufferSizeMB', o.processorBufferSizeMB ?? d.processorBufferSizeMB, 0, MAX_PROCESSOR_BUFFER_SIZE_MB, { minExclusive: true });
  checkNumber('processorBufferIntervalS', o.processorBufferIntervalS ?? d.processorBufferIntervalS, 0, MAX_PROCESSOR_BUFFER_INTERVAL_S);
  checkNumber('bufferSizeMB', o.bufferSizeMB ?? d.bufferSizeMB, 0, MAX_BUFFER_SIZE_MB, { minExclusive: true });
  checkNumber('bufferIntervalS', o.bufferIntervalS ?? d.bufferIntervalS, 0, MAX_BUFFER_INTERVAL_S);
  checkNumber('maxConcurrentUploads', o.maxConcurrentUploads ?? d.maxConcurrentUploads, 1, 64, { integer: true });
  checkNumber('maxBufferedMB', o.maxBufferedMB ?? d.maxBufferedMB, 0, 16_384, { minExclusive: true });
  checkNumber('requestTimeoutMs', o.requestTimeoutMs ?? d.requestTimeoutMs, 1, 600_000);
  checkNumber('retryBaseMs', o.retryBaseMs ?? d.retryBaseMs, 1, 600_000);
  checkNumber('retryMaxMs', o.retryMaxMs ?? d.retryMaxMs, o.retryBaseMs ?? d.retryBaseMs, 3_600_000);
  checkNumber('closeTimeoutMs', o.closeTimeoutMs ?? d.closeTimeoutMs, 0, 3_600_000);
  const compression = o.compression ?? d.compression;
  if (compression !== 'UNCOMPRESSED' && compression !== 'GZIP') throw configError('compression', `"${String(compression)}" is not UNCOMPRESSED or GZIP`);
  if (o.transform !== undefined && typeof o.transform !== 'function') throw configError('transform', 'must be a function');
}
