import { DescribeDeliveryStreamCommand, type DeliveryStreamDescription, type FirehoseClient } from '@aws-sdk/client-firehose';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError } from '../../../../common/errors.js';
import { classifyFirehoseError } from './errors.js';
import { deliveryStreamName } from './sink.js';

export interface CheckDeliveryStreamOptions {
  client: FirehoseClient;
  /** Name or ARN. */
  deliveryStream: string;
  /** How long to wait for CREATING/UPDATING to end, ms. Default 60,000. */
  timeoutMs?: number;
  /** Default 500. */
  pollMs?: number;
}

/**
 * Waits until the delivery stream is ACTIVE and checks it takes direct puts. Throws GW_ERR_STREAM_NOT_READY (with
 * a hint) when it does not exist, failed, reads a Kinesis stream (PutRecordBatch is disabled there), or stays
 * CREATING past the deadline; other errors are classified like PutRecordBatch's.
 */
export async function checkDeliveryStream(options: CheckDeliveryStreamOptions): Promise<DeliveryStreamDescription> {
  const { client } = options;
  const name = deliveryStreamName(options.deliveryStream);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    let description: DeliveryStreamDescription | undefined;
    try {
      description = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') {
        throw new GatewayError('GW_ERR_STREAM_NOT_READY', `delivery stream ${name} does not exist`, {
          retriable: false,
          detail: { hint: 'create a Direct PUT delivery stream (deploy/ has a template) or fix --delivery-stream/--region' },
        });
      }
      throw classifyFirehoseError(err, 'DescribeDeliveryStream');
    }
    const status = description?.DeliveryStreamStatus;
    if (description?.DeliveryStreamType !== undefined && description.DeliveryStreamType !== 'DirectPut') {
      throw new GatewayError('GW_ERR_STREAM_NOT_READY', `delivery stream ${name} is of type ${description.DeliveryStreamType}, which takes no direct puts`, {
        retriable: false,
        detail: { hint: 'use a Direct PUT delivery stream, or --sink kinesis with its source stream' },
      });
    }
    if (status === 'ACTIVE') return description as DeliveryStreamDescription;
    if (status === 'CREATING_FAILED' || status === 'DELETING' || status === 'DELETING_FAILED' || Date.now() > deadline) {
      throw new GatewayError('GW_ERR_STREAM_NOT_READY', `delivery stream ${name} is ${String(status)}`, {
        retriable: false,
        detail: { status, hint: 'the delivery stream must be ACTIVE' },
      });
    }
    await sleep(options.pollMs ?? 500);
  }
}

/** The delivery stream's status for the status watch; undefined when it does not exist. Other errors throw. */
export async function describeDeliveryStreamStatus(client: FirehoseClient, name: string): Promise<{ status: string } | undefined> {
  try {
    const d = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
    return { status: d?.DeliveryStreamStatus ?? 'UNKNOWN' };
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}
