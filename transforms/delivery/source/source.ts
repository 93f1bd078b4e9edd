/**
 * The source stream's identity (for the event's ARNs) and the checkpoint that belongs to it.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { Logger } from 'pino';
import { streamName as streamNameOf, streamTarget } from '../../../common/aws/stream-ref.js';
import { loadCheckpoint, type CheckpointState } from '../checkpoint/checkpoint.js';
import { DeliveryError } from '../errors.js';

export interface SourceIdentity {
  /** `StreamName` (+ `StreamARN` when given an ARN) for every Kinesis call; kinesalite needs the name. */
  target: { StreamName: string; StreamARN?: string };
  streamName: string;
  sourceKinesisStreamArn: string;
  region: string;
  account: string;
  /** StreamCreationTimestamp, epoch ms. */
  streamCreatedAt: number | undefined;
}

function parseArn(arn: string | undefined): { region: string; account: string } | undefined {
  const parts = arn?.split(':');
  return parts !== undefined && parts.length >= 6 && parts[3] !== '' && parts[4] !== ''
    ? { region: parts[3] as string, account: parts[4] as string }
    : undefined;
}

/**
 * Describes the stream (DescribeStreamSummary): its ARN gives the region and account of the event's ARNs unless
 * they are set explicitly. Throws `TG_ERR_DELIVERY_SOURCE` when the stream cannot be described.
 */
export async function describeSource(
  kinesis: KinesisClient,
  stream: string,
  overrides: { region?: string | undefined; accountId?: string | undefined; fallbackAccountId: string },
): Promise<SourceIdentity> {
  const target = streamTarget(stream);
  const streamName = streamNameOf(stream);
  let summary;
  try {
    summary = (await kinesis.send(new DescribeStreamSummaryCommand(target))).StreamDescriptionSummary;
  } catch (err) {
    throw new DeliveryError('TG_ERR_DELIVERY_SOURCE', `source stream ${stream} cannot be described: ${(err as Error).message}`, {
      cause: err,
      detail: { stream },
    });
  }
  const arn = parseArn(summary?.StreamARN);
  const region = overrides.region ?? arn?.region ?? (await kinesis.config.region());
  const account = overrides.accountId ?? arn?.account ?? overrides.fallbackAccountId;
  return {
    target,
    streamName,
    sourceKinesisStreamArn: summary?.StreamARN ?? `arn:aws:kinesis:${region}:${account}:stream/${streamName}`,
    region,
    account,
    streamCreatedAt: summary?.StreamCreationTimestamp?.getTime(),
  };
}

/**
 * Loads the checkpoint if it belongs to this stream and delivery stream. One written for another stream, another
 * delivery stream, or an earlier stream of the same name (recreated) is ignored with a warning: its positions would
 * be rejected or, worse, skip records.
 */
export async function loadMatchingCheckpoint(
  path: string | undefined,
  source: SourceIdentity,
  deliveryStreamName: string,
  logger: Logger,
): Promise<CheckpointState | undefined> {
  const loaded = path === undefined ? undefined : await loadCheckpoint(path);
  if (loaded === undefined) return undefined;
  const recreated =
    loaded.streamCreatedAt !== undefined && source.streamCreatedAt !== undefined && loaded.streamCreatedAt !== source.streamCreatedAt;
  if (loaded.streamName !== source.streamName || loaded.deliveryStreamName !== deliveryStreamName || recreated) {
    logger.warn(
      { checkpoint: path, was: { stream: loaded.streamName, deliveryStream: loaded.deliveryStreamName, streamCreatedAt: loaded.streamCreatedAt } },
      'checkpoint belongs to another stream or delivery stream; starting from startingPosition',
    );
    return undefined;
  }
  return loaded;
}
