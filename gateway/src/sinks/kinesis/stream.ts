import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../../../common/errors.js';
import { classifyKinesisError } from './errors.js';
import { streamName, streamTarget } from '../../../../common/aws/stream-ref.js';

export interface EnsureStreamOptions {
  client: KinesisClient;
  stream: string;
  /** Shards for a stream this call creates. */
  shardCount: number;
  /** Create the stream when it is missing (local mode). Default false. */
  create?: boolean;
  /** How long to wait for ACTIVE, ms. Default 60,000. */
  timeoutMs?: number;
  /** Polling interval, ms. Default 100. */
  pollMs?: number;
}

export async function describeStream(client: KinesisClient, stream: string): Promise<StreamDescriptionSummary | undefined> {
  try {
    const out = await client.send(new DescribeStreamSummaryCommand(streamTarget(stream)));
    return out.StreamDescriptionSummary;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw classifyKinesisError(err, 'DescribeStreamSummary');
  }
}

/**
 * Waits until the stream is ACTIVE (or UPDATING, which still accepts writes), creating it first when asked to.
 * Returns its description.
 */
export async function ensureStream(options: EnsureStreamOptions): Promise<StreamDescriptionSummary> {
  const { client, stream } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let created = false;
  for (;;) {
    const summary = await describeStream(client, stream);
    if (summary === undefined) {
      if (!options.create) {
        throw new GatewayError('GW_ERR_STREAM_NOT_READY', `stream ${stream} does not exist`, {
          retriable: false,
          detail: { hint: 'create the stream or fix --stream/--region' },
        });
      }
      if (!created) {
        try {
          await client.send(new CreateStreamCommand({ StreamName: streamName(stream), ShardCount: options.shardCount }));
        } catch (err) {
          // Another process may have created it between our describe and create.
          if ((err as { name?: string }).name !== 'ResourceInUseException') throw classifyKinesisError(err, 'CreateStream');
        }
        created = true;
      }
    } else if (summary.StreamStatus === 'ACTIVE' || summary.StreamStatus === 'UPDATING') {
      return summary;
    }
    if (Date.now() > deadline) {
      throw new GatewayError('GW_ERR_STREAM_NOT_READY', `stream ${stream} did not become ACTIVE in time`, {
        detail: { status: summary?.StreamStatus },
      });
    }
    await sleep(options.pollMs ?? 100);
  }
}
