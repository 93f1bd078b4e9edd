import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Registry } from 'prom-client';
import { GatewayError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';

/**
 * The servers a gateway can run beside itself: the embedded Kinesis API server of local mode, the delivery runner
 * (stream → transform → S3) of `--delivery on`, and the local Firehose API of `--sink firehose` in local mode.
 *
 * The gateway only declares what it needs; the local stack (`stack/services.ts`, the composition root that
 * `npm start` runs) provides the implementations. That keeps imports one-way: the gateway never imports the
 * delivery runner or the transform, and they never import the gateway.
 */
export interface LocalServices {
  startKinesis(options: LocalKinesisOptions): Promise<LocalKinesisService>;
  startDelivery(options: LocalDeliveryOptions): Promise<LocalDeliveryService>;
  startFirehose(options: LocalFirehoseOptions): Promise<LocalFirehoseService>;
}

export interface LocalKinesisOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Directory of the persistent store. */
  path: string;
}

export interface LocalKinesisService {
  /** e.g. `http://127.0.0.1:4567`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** What every local delivery stage takes: where it writes, which transform catalog, its buffering hints. */
export interface LocalDeliveryTargetOptions {
  dataDir: string;
  bucket: string;
  /** An S3 endpoint to use instead of the embedded server (the SDK variable AWS_ENDPOINT_URL_S3). */
  s3Endpoint: string | undefined;
  /** Use the AWS SDK's default S3 endpoint and credentials (self-hosted delivery to real S3). */
  useAwsS3: boolean;
  s3Host: string;
  s3Port: number;
  region: string | undefined;
  /** Catalog file for the transform; the bundled catalog when unset. */
  catalogPath: string | undefined;
  bufferIntervalS: number;
  bufferSizeMB: number;
  registry: Registry;
  logger: Logger;
}

export interface LocalDeliveryOptions extends LocalDeliveryTargetOptions {
  /** Kinesis client for the runner's reads (standard SDK retries). */
  kinesis: KinesisClient;
  stream: string;
}

export interface LocalDeliveryService {
  /** The S3 endpoint objects are written to; undefined for AWS's own. */
  readonly s3Endpoint: string | undefined;
  close(): Promise<void>;
}

export interface LocalFirehoseOptions extends LocalDeliveryTargetOptions {
  /** The Direct PUT delivery stream's name. */
  deliveryStream: string;
  host: string;
  port: number;
}

export interface LocalFirehoseService extends LocalDeliveryService {
  /** The Firehose API endpoint, e.g. `http://127.0.0.1:4573`. */
  readonly endpoint: string;
}

/** The local services, or a configuration error that says how to run what was asked for. */
export function requireLocalServices(services: LocalServices | undefined, what: string): LocalServices {
  if (services !== undefined) return services;
  throw new GatewayError('GW_ERR_CONFIG', `${what} needs the local stack, which this process was started without`, {
    detail: { hint: 'run the gateway through its process entry (npm start, or node dist/stack/main.js), or give an endpoint' },
  });
}
