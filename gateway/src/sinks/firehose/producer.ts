import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { createBridge, type Bridge, type BridgeOptions } from '../../bridge/bridge.js';
import { createShardRateLimiter } from '../../bridge/rate-limiter.js';
import { createSinglePacker } from '../../bridge/single-packer.js';
import type { Logger } from '../../../../common/logger.js';
import type { GatewayMetrics } from '../../metrics.js';
import { FIREHOSE_MAX_RECORD_BYTES } from '../../../../common/aws/firehose-limits.js';
import { createFirehoseSink } from './sink.js';

export interface FirehoseProducerOptions {
  /** Client for PutRecordBatch (SDK retries off: the bridge retries failed records itself). */
  dataClient: FirehoseClient;
  /** Direct PUT delivery stream, name or ARN. */
  deliveryStream: string;
  metrics: GatewayMetrics;
  logger: Logger;
  /** The delivery stream's quota to pace against; 0 turns pacing off. */
  recordsPerSecond: number;
  bytesPerSecond: number;
  /** Share of the quota to aim for, 1-100. */
  headroomPercent: number;
  bridge: Pick<
    BridgeOptions,
    'lingerMs' | 'maxInFlight' | 'maxBufferedReadings' | 'maxBufferedBytes' | 'retryBaseMs' | 'retryMaxMs' | 'requestTimeoutMs'
  >;
}

export interface FirehoseProducer {
  readonly bridge: Bridge;
  close(): Promise<void>;
}

/**
 * The Firehose producer: the same bridge as Kinesis (batching to PutRecordBatch's limits, linger, requests in
 * flight, retry of only the failed records with full jitter, one entry in flight per device for order), one
 * record per reading, paced by the delivery stream's quota with the same AIMD limiter (halved when Firehose
 * answers ServiceUnavailableException).
 */
export function startFirehoseProducer(options: FirehoseProducerOptions): FirehoseProducer {
  const pacing = options.recordsPerSecond > 0 && options.bytesPerSecond > 0;
  const bridge = createBridge({
    ...options.bridge,
    sink: createFirehoseSink({ client: options.dataClient, deliveryStream: options.deliveryStream }),
    metrics: options.metrics,
    logger: options.logger,
    packer: createSinglePacker(),
    ...(pacing
      ? {
          rateLimiter: createShardRateLimiter({
            recordsPerSecond: options.recordsPerSecond,
            bytesPerSecond: options.bytesPerSecond,
            headroom: options.headroomPercent / 100,
            minBurstBytes: FIREHOSE_MAX_RECORD_BYTES,
          }),
        }
      : {}),
  });
  return {
    bridge,
    close: () => bridge.close(),
  };
}
