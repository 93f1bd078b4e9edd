/**
 * Start-up waits of the standalone runner: the source stream must be ACTIVE and the destination bucket must exist
 * before the runner starts. In a compose stack or a fresh deployment they may appear a little after the runner
 * starts, so both are polled (connection errors included) until a deadline, then reported with the last cause.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DeliveryError } from '../errors.js';

export interface WaitOptions {
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Polling interval, ms. Default 500. */
  pollMs?: number;
  logger: Logger;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

/** Polls DescribeStreamSummary until the stream is ACTIVE or UPDATING (both take reads). */
export async function waitForStream(kinesis: KinesisClient, stream: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const target = stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
  let last = 'no answer yet';
  let logged = false;
  for (;;) {
    try {
      const out = await kinesis.send(new DescribeStreamSummaryCommand(target));
      const status = out.StreamDescriptionSummary?.StreamStatus;
      if (status === 'ACTIVE' || status === 'UPDATING') return;
      last = `stream status ${String(status)}`;
    } catch (err) {
      last = describe(err);
    }
    if (Date.now() >= deadline) {
      throw new DeliveryError('TG_ERR_DELIVERY_SOURCE', `stream ${stream} is not ACTIVE after ${options.timeoutMs} ms (${last})`, {
        detail: { hint: 'create the stream (the gateway creates it in local mode) or fix --stream/--kinesis-endpoint/--region' },
      });
    }
    if (!logged) {
      options.logger.info({ stream, cause: last }, 'waiting for the source stream');
      logged = true;
    }
    await sleep(options.pollMs ?? 500);
  }
}

/** Polls HeadBucket until the bucket exists, creating it first when `create` is set. */
export async function waitForBucket(s3: S3Client, bucket: string, create: boolean, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  let logged = false;
  for (;;) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (err) {
      last = describe(err);
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 && create) {
        try {
          await s3.send(new CreateBucketCommand({ Bucket: bucket }));
          options.logger.info({ bucket }, 'bucket created');
          return;
        } catch (createErr) {
          const name = (createErr as { name?: string }).name;
          if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
          last = describe(createErr);
        }
      }
    }
    if (Date.now() >= deadline) {
      throw new DeliveryError('TG_ERR_DELIVERY_CONFIG', `bucket ${bucket} is not available after ${options.timeoutMs} ms (${last})`, {
        detail: { setting: 'bucket', hint: create ? 'check --s3-endpoint and the credentials' : 'create the bucket or pass --create-bucket on' },
      });
    }
    if (!logged) {
      options.logger.info({ bucket, cause: last }, 'waiting for the destination bucket');
      logged = true;
    }
    await sleep(options.pollMs ?? 500);
  }
}
