import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import bundledCatalog from '../transforms/catalog.json' with { type: 'json' };
import { startDeliveryRunner, type DeliveryRunner, type DeliveryTransform } from '../transforms/delivery/index.js';
import { createS3Client, LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from './s3-server.js';
import { loadCatalogFile } from '../transforms/lambda/catalog/load.js';
import { parseCatalog } from '../transforms/lambda/catalog/validate.js';
import { createTransform } from '../transforms/lambda/transform.js';
import type { LocalDeliveryOptions, LocalDeliveryTargetOptions } from '../gateway/src/sinks/local-services.js';

export type { LocalDeliveryOptions };

export interface LocalDelivery {
  /** The S3 endpoint objects are written to; undefined for AWS's own. */
  readonly s3Endpoint: string | undefined;
  readonly runner: DeliveryRunner;
  close(): Promise<void>;
}

/** Where a delivery stream writes: the embedded S3 server (bucket created at start), an S3 endpoint, or AWS's S3. */
export interface DeliveryTarget {
  readonly s3: S3Client;
  /** The S3 endpoint objects are written to; undefined for AWS's own. */
  readonly s3Endpoint: string | undefined;
  close(): Promise<void>;
}

export async function openDeliveryTarget(
  options: Pick<LocalDeliveryTargetOptions, 'dataDir' | 'bucket' | 's3Endpoint' | 'useAwsS3' | 's3Host' | 's3Port' | 'region'>,
): Promise<DeliveryTarget> {
  let s3Server: LocalS3 | undefined;
  let endpoint = options.s3Endpoint;
  if (endpoint === undefined && !options.useAwsS3) {
    s3Server = await startLocalS3({
      host: options.s3Host,
      port: options.s3Port,
      dir: join(options.dataDir, 's3'),
      buckets: [options.bucket],
    });
    endpoint = s3Server.endpoint;
  }
  const s3 = createS3Client({
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(s3Server === undefined ? {} : { credentials: LOCAL_S3_CREDENTIALS }),
  });
  return {
    s3,
    s3Endpoint: endpoint,
    async close() {
      s3.destroy();
      await s3Server?.close();
    },
  };
}

/** The transform the Lambda zip bundles, with the given catalog file or the bundled `transforms/catalog.json`. */
export function loadDeliveryTransform(catalogPath: string | undefined): DeliveryTransform {
  const catalog = catalogPath === undefined ? parseCatalog(bundledCatalog, 'bundled catalog.json') : loadCatalogFile(catalogPath);
  return createTransform({ catalog });
}

/**
 * The second half of the local pipeline: an embedded S3 API server (bucket created at start) and the delivery
 * runner with Firehose's semantics, reading the stream and invoking the same transform module the Lambda zip
 * bundles. What it writes through the S3 API is what Firehose would write.
 */
export async function startLocalDelivery(options: LocalDeliveryOptions): Promise<LocalDelivery> {
  const { logger } = options;
  const target = await openDeliveryTarget(options);
  try {
    const runner = await startDeliveryRunner({
      kinesis: options.kinesis,
      stream: options.stream,
      s3: target.s3,
      bucket: options.bucket,
      transform: loadDeliveryTransform(options.catalogPath),
      checkpointPath: join(options.dataDir, 'delivery', 'telemetry-to-s3.checkpoint.json'),
      bufferIntervalS: options.bufferIntervalS,
      bufferSizeMB: options.bufferSizeMB,
      registry: options.registry,
      logger,
    });
    logger.info(
      { deliveryStream: runner.deliveryStreamArn, bucket: options.bucket, s3: target.s3Endpoint ?? 'aws' },
      'delivery runner started: stream → transform → S3',
    );
    return {
      s3Endpoint: target.s3Endpoint,
      runner,
      async close() {
        try {
          await runner.close();
        } finally {
          await target.close();
        }
      },
    };
  } catch (err) {
    await target.close();
    throw err;
  }
}
