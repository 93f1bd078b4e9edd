import { GatewayError } from '../../../../common/errors.js';
import { requireLocalServices } from '../local-services.js';
import { bridgeSettings, localClientSettings, type SinkSetup, type SinkSetupContext } from '../setup.js';
import { createFirehoseClient } from './client.js';
import { startFirehoseProducer } from './producer.js';
import { deliveryStreamName } from './sink.js';
import { startStreamWatch } from '../status-watch.js';
import { checkDeliveryStream, describeDeliveryStreamStatus } from './stream.js';

/**
 * `--sink firehose`: in local mode the embedded Firehose API with its Direct PUT delivery stream (unless an
 * endpoint is given), then the delivery stream check (ACTIVE, Direct PUT) and the producer.
 */
export async function setupFirehoseSink(ctx: SinkSetupContext): Promise<SinkSetup> {
  const { config, metrics, logger, closers } = ctx;
  const local = config.mode === 'local';
  if (!local && config.delivery === 'on') {
    throw new GatewayError('GW_ERR_CONFIG', '--delivery on: with --sink firehose in cloud mode, Firehose itself delivers to S3', {
      detail: { setting: 'delivery' },
    });
  }
  let endpoint = config.firehoseEndpoint;
  let s3Endpoint: string | undefined;
  let embedded = false;
  const settings = localClientSettings(ctx, false);
  if (local && endpoint === undefined) {
    const firehose = await requireLocalServices(ctx.services, 'the local Firehose API (local mode)').startFirehose({
      deliveryStream: deliveryStreamName(config.deliveryStream),
      host: config.localFirehoseHost,
      port: config.localFirehosePort,
      dataDir: config.dataDir,
      bucket: config.bucket,
      s3Endpoint: config.s3Endpoint,
      useAwsS3: false,
      s3Host: config.localS3Host,
      s3Port: config.localS3Port,
      region: settings.region,
      catalogPath: config.catalog,
      bufferIntervalS: config.deliveryBufferIntervalS,
      bufferSizeMB: config.deliveryBufferSizeMb,
      registry: metrics.registry,
      logger,
    });
    closers.push(() => firehose.close());
    endpoint = firehose.endpoint;
    s3Endpoint = firehose.s3Endpoint;
    embedded = true;
  }
  const clientOptions = { ...(endpoint === undefined ? {} : { endpoint }), ...localClientSettings(ctx, embedded) };
  const controlClient = createFirehoseClient({ ...clientOptions, maxSockets: 4 });
  const dataClient = createFirehoseClient({ ...clientOptions, maxAttempts: 1 });
  closers.push(async () => {
    controlClient.destroy();
    dataClient.destroy();
  });

  const description = await checkDeliveryStream({ client: controlClient, deliveryStream: config.deliveryStream });
  logger.info(
    { deliveryStream: description.DeliveryStreamARN, status: description.DeliveryStreamStatus, endpoint: endpoint ?? 'aws' },
    'firehose delivery stream ready',
  );
  const name = deliveryStreamName(config.deliveryStream);
  const watch = startStreamWatch({
    describe: () => describeDeliveryStreamStatus(controlClient, name),
    target: `delivery stream ${name}`,
    logger,
    initial: { status: description.DeliveryStreamStatus ?? 'UNKNOWN' },
    ...(ctx.watchIntervalMs === undefined ? {} : { intervalMs: ctx.watchIntervalMs }),
  });
  closers.push(async () => watch.close());

  const producer = startFirehoseProducer({
    dataClient,
    deliveryStream: config.deliveryStream,
    metrics,
    logger,
    recordsPerSecond: config.firehoseRecordsPerSecond,
    bytesPerSecond: config.firehoseBytesPerSecond,
    headroomPercent: config.shardHeadroomPercent,
    bridge: bridgeSettings(config),
  });
  closers.push(() => producer.close());
  return { bridge: producer.bridge, target: `delivery stream ${name}`, endpoint, s3Endpoint, watch };
}
