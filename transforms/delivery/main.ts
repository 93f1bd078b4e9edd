#!/usr/bin/env node
/**
 * The delivery runner as a process of its own: reads the Kinesis stream, invokes the transform (the module the
 * Lambda zip bundles) with Firehose's semantics and writes objects to S3. This is what the compose stack's
 * `delivery` service runs; `npm start` runs the same runner inside the gateway instead.
 * Exit codes: 0 stopped cleanly, 1 failure, 2 bad configuration.
 */
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import bundledCatalog from '../catalog.json' with { type: 'json' };
import { lockDataDir } from '../../common/data-dir-lock.js';
import { createKinesisClient } from '../../common/aws/kinesis-client.js';
import { createS3Client } from './s3-writer/client.js';
import { loadCatalogFile } from '../lambda/catalog/load.js';
import { parseCatalog } from '../lambda/catalog/validate.js';
import { createTransform } from '../lambda/transform.js';
import { parseDeliveryCli, type DeliveryCliConfig } from './cli/settings.js';
import { startHealthServer, type HealthServer } from './cli/health.js';
import { waitForBucket, waitForStream } from './cli/wait.js';
import { isTidegateError } from '../../common/errors.js';
import { DeliveryError } from './errors.js';
import { startDeliveryRunner, type DeliveryRunner } from './index.js';

/** Everything started so far, closed in reverse order. */
type Closer = () => Promise<void> | void;

async function run(config: DeliveryCliConfig, logger: Logger, closers: Closer[]): Promise<DeliveryRunner> {
  const unlock = lockDataDir(join(config.dataDir, 'delivery'));
  closers.push(unlock);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tidegate_' });
  let runner: DeliveryRunner | undefined;
  let phase = 'waiting for the stream and the bucket';
  const http: HealthServer = await startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry,
    notReady: () => (runner === undefined ? phase : undefined),
  });
  closers.push(() => http.close());

  // A local endpoint needs some region for signing; AWS's own endpoints take the SDK chain's.
  const custom = config.kinesisEndpoint !== undefined || config.s3Endpoint !== undefined;
  const region = config.region ?? (custom ? 'us-east-1' : undefined);
  const kinesis = createKinesisClient({
    ...(config.kinesisEndpoint === undefined ? {} : { endpoint: config.kinesisEndpoint }),
    ...(region === undefined ? {} : { region }),
    maxSockets: 16,
  });
  const s3 = createS3Client({
    ...(config.s3Endpoint === undefined ? {} : { endpoint: config.s3Endpoint }),
    ...(region === undefined ? {} : { region }),
  });
  closers.push(() => {
    kinesis.destroy();
    s3.destroy();
  });

  const wait = { timeoutMs: config.streamWaitS * 1000, logger };
  await waitForStream(kinesis, config.stream, wait);
  await waitForBucket(s3, config.bucket, config.createBucket === 'on', wait);
  phase = 'starting';

  const catalog = config.catalog === undefined ? parseCatalog(bundledCatalog, 'bundled catalog.json') : loadCatalogFile(config.catalog);
  const started = await startDeliveryRunner({
    kinesis,
    stream: config.stream,
    s3,
    bucket: config.bucket,
    transform: createTransform({ catalog }),
    checkpointPath: join(config.dataDir, 'delivery', 'telemetry-to-s3.checkpoint.json'),
    bufferIntervalS: config.bufferIntervalS,
    bufferSizeMB: config.bufferSizeMb,
    closeTimeoutMs: config.shutdownTimeoutMs,
    ...(region === undefined ? {} : { region }),
    registry,
    logger,
  });
  runner = started;
  closers.push(() => started.close());
  logger.info(
    {
      stream: config.stream,
      kinesis: config.kinesisEndpoint ?? 'aws',
      bucket: config.bucket,
      s3: config.s3Endpoint ?? 'aws',
      http: `${config.httpHost}:${http.port}`,
      deliveryStream: started.deliveryStreamArn,
    },
    'delivery runner started: stream → transform → S3',
  );
  return started;
}

async function closeAll(closers: Closer[], logger: Logger): Promise<boolean> {
  let clean = true;
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (err) {
      clean = false;
      logger.warn({ err }, 'error while closing');
    }
  }
  closers.length = 0;
  return clean;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseDeliveryCli(process.argv.slice(2), process.env);
  } catch (err) {
    if (isTidegateError(err, 'TG_ERR_DELIVERY_CONFIG')) {
      process.stderr.write(`tidegate-delivery: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text + '\n');
    return 0;
  }
  const config = parsed.config;
  const logger = pino({ level: config.logLevel, base: { service: 'tidegate-delivery' } }, pino.destination({ sync: false }));
  const closers: Closer[] = [];
  let stopping: ((signal: NodeJS.Signals) => void) | undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (stopping = resolve));
  process.once('SIGINT', () => stopping?.('SIGINT'));
  process.once('SIGTERM', () => stopping?.('SIGTERM'));

  const starting = run(config, logger, closers);
  const first = await Promise.race([starting.then(() => 'started' as const), stopped]).catch((err: unknown) => err);
  if (first !== 'started' && typeof first !== 'string') {
    const err = first as Error;
    const code = err instanceof DeliveryError ? err.code : ((err as { code?: string }).code ?? 'TG_ERR_DELIVERY_START');
    logger.fatal({ code, err }, `startup failed: ${err.message}`);
    await closeAll(closers, logger);
    return code === 'TG_ERR_DELIVERY_CONFIG' ? 2 : 1;
  }
  // A signal during the start-up waits stops at once: nothing was read yet, and the exit ends the waits.
  const signal = first === 'started' ? await stopped : first;
  logger.info({ signal }, 'signal received: delivering what was read, then stopping');
  const clean = await closeAll(closers, logger);
  logger.info({ clean }, 'delivery runner stopped');
  return clean ? 0 : 1;
}

main().then(
  (code) => {
    setTimeout(() => process.exit(code), 50).unref();
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tidegate-delivery: unexpected failure: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
