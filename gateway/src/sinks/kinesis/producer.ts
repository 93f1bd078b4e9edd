import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createBridge, type Bridge, type BridgeOptions } from '../../bridge/bridge.js';
import { createKplPacker } from '../../bridge/kpl-packer.js';
import { createShardRateLimiter } from '../../bridge/rate-limiter.js';
import { createSinglePacker } from '../../bridge/single-packer.js';
import type { Logger } from '../../../../common/logger.js';
import type { GatewayMetrics } from '../../metrics.js';
import { SHARD_MAX_BYTES_PER_SECOND, SHARD_MAX_RECORDS_PER_SECOND } from '../../../../common/aws/kinesis-limits.js';
import { createShardMap, type ShardMap } from './shard-map.js';
import { createKinesisSink } from './sink.js';

export interface KinesisProducerOptions {
  /** Client for PutRecords (SDK retries off: the bridge retries failed entries itself). */
  dataClient: KinesisClient;
  /** Client for ListShards. */
  controlClient: KinesisClient;
  /** Stream name or ARN. */
  stream: string;
  metrics: GatewayMetrics;
  logger: Logger;
  /** KPL aggregation on (default) or one record per reading. */
  aggregation: boolean;
  aggregationMaxBytes: number;
  maxRecordBytes: number;
  maxRequestBytes: number;
  /** Share of each shard's write limits to aim for, 1-100. */
  shardHeadroomPercent: number;
  /** How often the shard map is reloaded without a reason, ms. Default 60,000 (catches on-demand reshards). */
  shardMapRefreshMs?: number;
  /** Batching, retry and buffer settings of the bridge. */
  bridge: Pick<
    BridgeOptions,
    'lingerMs' | 'maxInFlight' | 'maxBufferedReadings' | 'maxBufferedBytes' | 'retryBaseMs' | 'retryMaxMs' | 'requestTimeoutMs'
  >;
}

export interface KinesisProducer {
  readonly bridge: Bridge;
  readonly shardMap: ShardMap;
  close(): Promise<void>;
}

/**
 * The Kinesis producer: shard map, per-shard KPL packing and rate limits, and the bridge that batches, retries
 * and acknowledges. A record acknowledged on an unexpected shard, or a ResourceNotFound/InvalidArgument, reloads
 * the shard map; a changed map regroups the queued devices.
 */
export async function startKinesisProducer(options: KinesisProducerOptions): Promise<KinesisProducer> {
  const { metrics, logger } = options;
  const shardMap = createShardMap({ client: options.controlClient, stream: options.stream, logger });
  await shardMap.refresh('startup');
  const timer = setInterval(() => shardMap.requestRefresh('periodic'), options.shardMapRefreshMs ?? 60_000);
  timer.unref();

  const bridge = createBridge({
    ...options.bridge,
    sink: createKinesisSink({
      client: options.dataClient,
      stream: options.stream,
      maxRequestBytes: options.maxRequestBytes,
      maxRecordBytes: options.maxRecordBytes,
    }),
    metrics,
    logger,
    packer: options.aggregation
      ? createKplPacker({ maxAggregateBytes: options.aggregationMaxBytes, maxEntryBytes: options.maxRecordBytes })
      : createSinglePacker(),
    groupOf: (deviceId) => shardMap.shardFor(deviceId) ?? '*',
    // A shard at its byte limit waits until a full aggregate fits instead of sending many small records.
    minGroupSendBytes: options.aggregation ? options.aggregationMaxBytes : 0,
    rateLimiter: createShardRateLimiter({
      recordsPerSecond: SHARD_MAX_RECORDS_PER_SECOND,
      bytesPerSecond: SHARD_MAX_BYTES_PER_SECOND,
      headroom: options.shardHeadroomPercent / 100,
      minBurstBytes: options.maxRecordBytes,
    }),
    onResult: (groupKey, result) => {
      if (result.ok && result.shardId !== undefined && groupKey !== '*' && result.shardId !== groupKey) {
        shardMap.requestRefresh(`record for ${groupKey} acknowledged on ${result.shardId}`);
      }
    },
    onRequestError: (err) => {
      const code = err.detail['awsCode'];
      if (code === 'ResourceNotFoundException' || code === 'InvalidArgumentException') shardMap.requestRefresh(String(code));
    },
  });
  shardMap.onChange(() => bridge.regroup());

  return {
    bridge,
    shardMap,
    async close() {
      clearInterval(timer);
      await bridge.close();
    },
  };
}
