import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startBroker, type Broker } from './broker/broker.js';
import { createBridge, type Bridge } from './bridge/bridge.js';
import type { GatewayConfig } from './config/load.js';
import { GatewayError, isGatewayError } from './errors.js';
import { startHttpServer, type HttpServer, type ReadinessCheck } from './http/server.js';
import { createDeadLetterWriter, type DeadLetterWriter } from './ingest/dead-letter.js';
import { createSequencer } from './ingest/envelope.js';
import type { Forwarder } from './ingest/forwarder.js';
import { createIngest } from './ingest/pipeline.js';
import { startLocalKinesis, type LocalKinesis } from './local/kinesis-server.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createKinesisClient } from './sinks/kinesis/client.js';
import { createKinesisSink } from './sinks/kinesis/sink.js';
import { createShardMap } from './sinks/kinesis/shard-map.js';
import { SHARD_MAX_BYTES_PER_SECOND, SHARD_MAX_RECORDS_PER_SECOND } from './sinks/kinesis/limits.js';
import { ensureStream } from './sinks/kinesis/stream.js';
import { createKplPacker } from './bridge/kpl-packer.js';
import { createSinglePacker } from './bridge/single-packer.js';
import { createShardRateLimiter } from './bridge/rate-limiter.js';

export interface GatewayDeps {
  logger?: Logger;
  /** Environment, for the credential decision of local mode. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly mqttPort: number;
  readonly httpPort: number;
  /** The Kinesis endpoint in use; undefined when the SDK resolves AWS's own. */
  readonly kinesisEndpoint: string | undefined;
  readonly metrics: GatewayMetrics;
  readonly bridge: Bridge;
  /**
   * Graceful stop: no new connections or publishes, flush every buffered reading to Kinesis (acknowledging it),
   * then close everything. Resolves `flushed: false` when the deadline passed with readings still held.
   */
  shutdown(timeoutMs?: number): Promise<{ flushed: boolean; unflushed: number }>;
}

/** Reshards of on-demand streams happen without us; a periodic ListShards catches them even without traffic. */
const SHARD_MAP_REFRESH_MS = 60_000;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Starts every component in order; on a failure, closes what was already started and rethrows. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const env = deps.env ?? process.env;
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const local = config.mode === 'local';
  // Devices connect without credentials (the identity is the client id), so the listener must not be reachable
  // from other machines.
  if (!isLoopback(config.mqttHost)) {
    throw new GatewayError(
      'GW_ERR_CONFIG',
      `--mqtt-host ${config.mqttHost}: devices are accepted without credentials, so the MQTT listener only binds ` +
        'loopback (accepted: 127.0.0.0/8, ::1, localhost)',
      { detail: { setting: 'mqtt-host' } },
    );
  }

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err }, 'error while closing');
      }
    }
    closers.length = 0;
  };

  try {
    const metrics = createMetrics();
    let localKinesis: LocalKinesis | undefined;
    let endpoint = config.kinesisEndpoint;
    if (local && endpoint === undefined) {
      localKinesis = await startLocalKinesis({
        host: config.localKinesisHost,
        port: config.localKinesisPort,
        path: join(config.dataDir, 'kinesis'),
      });
      closers.push(() => localKinesis?.close() ?? Promise.resolve());
      endpoint = localKinesis.endpoint;
    }
    const useStaticCredentials =
      local && (localKinesis !== undefined || (env['AWS_ACCESS_KEY_ID'] === undefined && env['AWS_PROFILE'] === undefined));
    const clientOptions = {
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(config.region !== undefined ? { region: config.region } : local ? { region: 'us-east-1' } : {}),
      ...(useStaticCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    };
    const controlClient: KinesisClient = createKinesisClient({ ...clientOptions, maxSockets: 4 });
    const dataClient: KinesisClient = createKinesisClient({ ...clientOptions, maxAttempts: 1 });
    closers.push(async () => {
      controlClient.destroy();
      dataClient.destroy();
    });

    const summary = await ensureStream({
      client: controlClient,
      stream: config.stream,
      shardCount: config.shards,
      create: local,
    });
    logger.info(
      { stream: config.stream, status: summary.StreamStatus, shards: summary.OpenShardCount, endpoint: endpoint ?? 'aws' },
      'kinesis stream ready',
    );

    const deadLetter: DeadLetterWriter = createDeadLetterWriter({
      path: join(config.dataDir, 'dead-letter.jsonl'),
      metrics,
    });
    closers.push(() => deadLetter.close());

    const shardMap = createShardMap({ client: controlClient, stream: config.stream, logger });
    await shardMap.refresh('startup');
    const refreshTimer = setInterval(() => shardMap.requestRefresh('periodic'), SHARD_MAP_REFRESH_MS);
    refreshTimer.unref();
    closers.push(async () => clearInterval(refreshTimer));

    const sink = createKinesisSink({
      client: dataClient,
      stream: config.stream,
      maxRequestBytes: config.maxRequestBytes,
      maxRecordBytes: config.maxRecordBytes,
    });
    const bridge = createBridge({
      sink,
      metrics,
      logger,
      packer:
        config.aggregation === 'on'
          ? createKplPacker({ maxAggregateBytes: config.aggregationMaxBytes, maxEntryBytes: config.maxRecordBytes })
          : createSinglePacker(),
      groupOf: (deviceId) => shardMap.shardFor(deviceId) ?? '*',
      rateLimiter: createShardRateLimiter({
        recordsPerSecond: SHARD_MAX_RECORDS_PER_SECOND,
        bytesPerSecond: SHARD_MAX_BYTES_PER_SECOND,
        headroom: config.shardHeadroomPercent / 100,
        minBurstBytes: config.maxRecordBytes,
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
      lingerMs: config.lingerMs,
      maxInFlight: config.maxInFlight,
      maxBufferedReadings: config.maxBufferedReadings,
      maxBufferedBytes: config.maxBufferedBytes,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      requestTimeoutMs: config.requestTimeoutMs,
    });
    closers.push(() => bridge.close());
    shardMap.onChange(() => bridge.regroup());

    const sequencer = createSequencer();
    const forwarder: Forwarder = {
      limits: bridge.limits,
      forward: (deviceId, record, accepted) => bridge.submit(deviceId, record, accepted),
      get overloaded() {
        return bridge.overloaded;
      },
      whenRelieved: (callback) => bridge.whenRelieved(callback),
    };
    const ingest = createIngest({ forwarder, deadLetter, metrics, logger, sequencer, maxPayloadBytes: config.maxPayloadBytes });

    const broker: Broker = await startBroker({ host: config.mqttHost, port: config.mqttPort, ingest, metrics, logger });
    closers.push(() => broker.close());

    let shuttingDown = false;
    const readiness = (): Record<string, ReadinessCheck> => {
      const fatal = bridge.fatalError;
      return {
        mqtt: { ok: broker.listening, detail: broker.listening ? `listening on ${config.mqttHost}:${broker.port}` : 'not accepting connections' },
        stream: {
          ok: fatal === undefined,
          detail: fatal === undefined ? `${config.stream} writable` : `${fatal.message} (${String(fatal.detail['hint'] ?? '')})`,
        },
        backpressure: {
          ok: !bridge.overloaded,
          detail: bridge.overloaded ? 'buffers full: devices are being slowed down' : 'buffers below their limits',
        },
        lifecycle: { ok: !shuttingDown, detail: shuttingDown ? 'shutting down' : 'running' },
      };
    };
    const http: HttpServer = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      metrics,
      logger,
      readiness,
    });
    closers.push(() => http.close());

    logger.info(
      {
        mode: config.mode,
        mqtt: `${config.mqttHost}:${broker.port}`,
        http: `${config.httpHost}:${http.port}`,
        kinesis: endpoint ?? 'aws',
        stream: config.stream,
        epoch: sequencer.epoch,
      },
      local
        ? 'tidegate started in local mode: devices connect WITHOUT credentials on this loopback-only listener; ' +
            'the device id is the MQTT client id'
        : 'tidegate started',
    );

    return {
      config,
      mqttPort: broker.port,
      httpPort: http.port,
      kinesisEndpoint: endpoint,
      metrics,
      bridge,
      async shutdown(timeoutMs = config.shutdownTimeoutMs) {
        shuttingDown = true;
        broker.stopAccepting();
        const held = bridge.stats().bufferedReadings;
        logger.info({ bufferedReadings: held }, 'shutting down: flushing buffered readings');
        let flushed = true;
        let unflushed = 0;
        try {
          await bridge.flush(timeoutMs);
        } catch (err) {
          if (!isGatewayError(err, 'GW_ERR_FLUSH_TIMEOUT')) throw err;
          flushed = false;
          unflushed = bridge.stats().bufferedReadings;
          logger.error({ unflushed }, 'shutdown deadline passed; unflushed readings were never acknowledged');
        }
        await closeAll();
        logger.info({ flushed, unflushed }, 'tidegate stopped');
        return { flushed, unflushed };
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
