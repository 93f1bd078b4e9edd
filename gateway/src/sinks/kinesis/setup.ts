import { join } from 'node:path';
import { requireLocalServices, type LocalKinesisService } from '../local-services.js';
import { bridgeSettings, localClientSettings, type SinkSetup, type SinkSetupContext } from '../setup.js';
import { createKinesisClient } from '../../../../common/aws/kinesis-client.js';
import { startKinesisProducer } from './producer.js';
import { startStreamWatch } from '../status-watch.js';
import { describeStream, ensureStream } from './stream.js';

/**
 * `--sink kinesis`: the embedded Kinesis server in local mode (unless an endpoint is given), the stream (created
 * in local mode), the stream-sourced delivery runner when delivery is on, and the producer.
 */
export async function setupKinesisSink(ctx: SinkSetupContext): Promise<SinkSetup> {
  const { config, metrics, logger, closers } = ctx;
  const local = config.mode === 'local';
  let localKinesis: LocalKinesisService | undefined;
  let endpoint = config.kinesisEndpoint;
  if (local && endpoint === undefined) {
    const started = await requireLocalServices(ctx.services, 'the embedded Kinesis server (local mode)').startKinesis({
      host: config.localKinesisHost,
      port: config.localKinesisPort,
      path: join(config.dataDir, 'kinesis'),
    });
    localKinesis = started;
    closers.push(() => started.close());
    endpoint = started.endpoint;
  }
  const clientOptions = { ...(endpoint === undefined ? {} : { endpoint }), ...localClientSettings(ctx, localKinesis !== undefined) };
  const controlClient = createKinesisClient({ ...clientOptions, maxSockets: 4 });
  const dataClient = createKinesisClient({ ...clientOptions, maxAttempts: 1 });
  closers.push(async () => {
    controlClient.destroy();
    dataClient.destroy();
  });

  const summary = await ensureStream({ client: controlClient, stream: config.stream, shardCount: config.shards, create: local });
  logger.info(
    { stream: config.stream, status: summary.StreamStatus, shards: summary.OpenShardCount, endpoint: endpoint ?? 'aws' },
    'kinesis stream ready',
  );
  const watch = startStreamWatch({
    describe: async () => {
      const found = await describeStream(controlClient, config.stream);
      return found === undefined
        ? undefined
        : { status: found.StreamStatus ?? 'UNKNOWN', ...(found.OpenShardCount === undefined ? {} : { openShards: found.OpenShardCount }) };
    },
    target: `stream ${config.stream}`,
    logger,
    initial: { status: summary.StreamStatus ?? 'UNKNOWN', ...(summary.OpenShardCount === undefined ? {} : { openShards: summary.OpenShardCount }) },
    ...(ctx.watchIntervalMs === undefined ? {} : { intervalMs: ctx.watchIntervalMs }),
  });
  closers.push(async () => watch.close());

  let s3Endpoint: string | undefined;
  if (config.delivery === 'on' || (config.delivery === 'auto' && local)) {
    const delivery = await requireLocalServices(ctx.services, 'the delivery runner (--delivery)').startDelivery({
      kinesis: controlClient,
      stream: config.stream,
      dataDir: config.dataDir,
      bucket: config.bucket,
      s3Endpoint: config.s3Endpoint,
      useAwsS3: !local && config.s3Endpoint === undefined,
      s3Host: config.localS3Host,
      s3Port: config.localS3Port,
      region: clientOptions.region,
      catalogPath: config.catalog,
      bufferIntervalS: config.deliveryBufferIntervalS,
      bufferSizeMB: config.deliveryBufferSizeMb,
      registry: metrics.registry,
      logger,
    });
    s3Endpoint = delivery.s3Endpoint;
    // Closed before the Kinesis clients and the embedded server it reads from.
    closers.push(() => delivery.close());
  }

  const producer = await startKinesisProducer({
    dataClient,
    controlClient,
    stream: config.stream,
    metrics,
    logger,
    aggregation: config.aggregation === 'on',
    aggregationMaxBytes: config.aggregationMaxBytes,
    maxRecordBytes: config.maxRecordBytes,
    maxRequestBytes: config.maxRequestBytes,
    shardHeadroomPercent: config.shardHeadroomPercent,
    bridge: bridgeSettings(config),
  });
  closers.push(() => producer.close());
  return { bridge: producer.bridge, target: `stream ${config.stream}`, endpoint, s3Endpoint, watch };
}
