import { join } from 'node:path';
import { startDirectPutStream, startFirehoseApiServer, type DirectPutStream, type FirehoseApiServer } from '../transforms/delivery/direct-put/index.js';
import type { LocalFirehoseOptions } from '../gateway/src/sinks/local-services.js';
import { loadDeliveryTransform, openDeliveryTarget } from './delivery.js';

export type { LocalFirehoseOptions };

export interface LocalFirehose {
  /** The Firehose API endpoint, e.g. `http://127.0.0.1:4573`. */
  readonly endpoint: string;
  /** The S3 endpoint objects are written to; undefined for AWS's own. */
  readonly s3Endpoint: string | undefined;
  readonly server: FirehoseApiServer;
  readonly stream: DirectPutStream;
  close(): Promise<void>;
}

/**
 * Local mode with `--sink firehose`: the Firehose API (PutRecord, PutRecordBatch, DescribeDeliveryStream,
 * ListDeliveryStreams) in front of an ACTIVE Direct PUT delivery stream whose records go through the same
 * transform, buffering and S3 writer as the stream-sourced runner. Records are acknowledged once durable in the
 * stream's intake under `<data dir>/firehose/<name>`.
 */
export async function startLocalFirehose(options: LocalFirehoseOptions): Promise<LocalFirehose> {
  const { logger } = options;
  const target = await openDeliveryTarget(options);
  let stream: DirectPutStream | undefined;
  try {
    stream = await startDirectPutStream({
      dir: join(options.dataDir, 'firehose', options.deliveryStream),
      deliveryStreamName: options.deliveryStream,
      ...(options.region === undefined ? {} : { region: options.region }),
      s3: target.s3,
      bucket: options.bucket,
      transform: loadDeliveryTransform(options.catalogPath),
      bufferIntervalS: options.bufferIntervalS,
      bufferSizeMB: options.bufferSizeMB,
      registry: options.registry,
      logger,
    });
    const server = await startFirehoseApiServer({ host: options.host, port: options.port, streams: [stream], registry: options.registry });
    logger.info(
      { endpoint: server.endpoint, deliveryStream: stream.description.arn, bucket: options.bucket, s3: target.s3Endpoint ?? 'aws' },
      'local Firehose API started: Direct PUT → transform → S3',
    );
    const opened = stream;
    return {
      endpoint: server.endpoint,
      s3Endpoint: target.s3Endpoint,
      server,
      stream: opened,
      async close() {
        try {
          await server.close();
          await opened.close();
        } finally {
          await target.close();
        }
      },
    };
  } catch (err) {
    await stream?.close();
    await target.close();
    throw err;
  }
}
