import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startBroker, type Broker } from './broker/broker.js';
import { connectCluster, type ClusterBackend } from './broker/cluster.js';
import { createCommandsRoute } from './http/commands-route.js';
import type { GatewayConfig } from './config/load.js';
import { GatewayError, isGatewayError } from './errors.js';
import { startHttpServer, type HttpServer, type ReadinessCheck } from './http/server.js';
import { createDeadLetterWriter, type DeadLetterWriter } from './ingest/dead-letter.js';
import { createSequencer } from './ingest/envelope.js';
import type { Forwarder } from './ingest/forwarder.js';
import { createSpoolForwarding, type SpoolForwarding } from './bridge/spool-drainer.js';
import { openSpool, type Spool } from './spool/index.js';
import { createIngest } from './ingest/pipeline.js';
import { startLocalKinesis, type LocalKinesis } from './local/kinesis-server.js';
import { startLocalDelivery, type LocalDelivery } from './local/delivery.js';
import { createLogger, type Logger } from './logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { createKinesisClient } from './sinks/kinesis/client.js';
import { ensureStream } from './sinks/kinesis/stream.js';
import { startKinesisProducer } from './sinks/kinesis/producer.js';
import type { Bridge } from './bridge/bridge.js';

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
  /** The S3 endpoint the delivery runner writes to; undefined without a runner or for AWS's own. */
  readonly s3Endpoint: string | undefined;
  readonly metrics: GatewayMetrics;
  readonly bridge: Bridge;
  /**
   * Graceful stop: no new connections or publishes, flush every buffered reading to Kinesis (acknowledging it),
   * then close everything. `flushed`: nothing is left for Kinesis. `clean`: nothing acknowledged exists only in
   * memory (always true in spool mode, where the rest waits in the spool).
   */
  shutdown(timeoutMs?: number): Promise<{ flushed: boolean; unflushed: number; clean: boolean }>;
}

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
    const unlock = lockDataDir(config.dataDir);
    closers.push(async () => unlock());
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

    let localDelivery: LocalDelivery | undefined;
    const delivering = config.delivery === 'on' || (config.delivery === 'auto' && local);
    if (delivering) {
      const delivery = await startLocalDelivery({
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
      localDelivery = delivery;
      // Closed before the Kinesis clients and the embedded server it reads from.
      closers.push(() => delivery.close());
    }


    const deadLetter: DeadLetterWriter = createDeadLetterWriter({
      path: join(config.dataDir, 'dead-letter.jsonl'),
      metrics,
    });
    closers.push(() => deadLetter.close());

    // Opened before the bridge so that it closes after it: entries the bridge could not deliver stay spooled.
    let spool: Spool | undefined;
    if (config.ack === 'spool') {
      const opened = await openSpool({
        dir: join(config.dataDir, 'spool'),
        maxBytes: config.spoolMaxBytes,
        segmentBytes: config.spoolSegmentBytes,
        logger,
        onFsync: (seconds) => metrics.spoolFsync.observe(seconds),
      });
      spool = opened;
      const st = opened.stats();
      metrics.spoolReplayed.inc(st.replayedEntries);
      metrics.spoolCorrupt.inc(st.corruptEntries);
      metrics.setSpoolSource(() => {
        const now = opened.stats();
        return {
          bytes: now.bytes,
          entries: now.entries,
          oldestAgeSeconds: now.oldestAppendedAt === undefined ? 0 : Math.max(0, Date.now() - now.oldestAppendedAt) / 1000,
          blocked: opened.blocked,
        };
      });
      closers.push(async () => {
        await opened.close();
        await spoolForwarding?.finished;
      });
    }
    let spoolForwarding: SpoolForwarding | undefined;

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
      bridge: {
        lingerMs: config.lingerMs,
        maxInFlight: config.maxInFlight,
        maxBufferedReadings: config.maxBufferedReadings,
        maxBufferedBytes: config.maxBufferedBytes,
        retryBaseMs: config.retryBaseMs,
        retryMaxMs: config.retryMaxMs,
        requestTimeoutMs: config.requestTimeoutMs,
      },
    });
    closers.push(() => producer.close());
    const bridge = producer.bridge;

    let cluster: ClusterBackend | undefined;
    if (config.cluster !== undefined) {
      const joined = await connectCluster({ url: config.cluster, logger });
      cluster = joined;
      // Closed after the broker (whose close already disconnects it); this covers a broker that failed to start.
      closers.push(() => joined.destroy());
    }
    // In a cluster the epoch is reserved in Redis, so two gateways started in the same millisecond still differ.
    const sequencer = createSequencer(cluster === undefined ? undefined : await cluster.reserveEpoch(Date.now()));
    let forwarder: Forwarder;
    if (spool !== undefined) {
      spoolForwarding = createSpoolForwarding({ spool, bridge, deadLetter, metrics, logger });
      forwarder = spoolForwarding.forwarder;
      spoolForwarding.start();
    } else {
      forwarder = {
        limits: bridge.limits,
        forward: (deviceId, record, accepted) => bridge.submit(deviceId, record, accepted),
        get overloaded() {
          return bridge.overloaded;
        },
        whenRelieved: (callback) => bridge.whenRelieved(callback),
      };
    }
    const ingest = createIngest({ forwarder, deadLetter, metrics, logger, sequencer, maxPayloadBytes: config.maxPayloadBytes });

    const broker: Broker = await startBroker({
      host: config.mqttHost, port: config.mqttPort, ingest, metrics, logger,
      ...(cluster === undefined ? {} : { cluster }),
    });
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
          ok: !forwarder.overloaded,
          detail: forwarder.overloaded ? 'buffers full: devices are being slowed down' : 'buffers below their limits',
        },
        ...(spool === undefined
          ? {}
          : {
              spool: (() => {
                const st = spool.stats();
                return st.error === undefined
                  ? { ok: true, detail: `${st.entries} readings (${st.bytes} bytes) waiting for Kinesis` }
                  : { ok: false, detail: `spool disk error: ${st.error}` };
              })(),
            }),
        ...(cluster === undefined
          ? {}
          : { cluster: { ok: cluster.connected, detail: `Redis ${cluster.url} ${cluster.connected ? 'connected' : 'unreachable (reconnecting)'}` } }),
        lifecycle: { ok: !shuttingDown, detail: shuttingDown ? 'shutting down' : 'running' },
      };
    };
    const http: HttpServer = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      metrics,
      logger,
      readiness,
      routes: [
        createCommandsRoute({
          token: config.httpToken,
          publish: (topic, payload, qos) => broker.publish(topic, payload, qos),
          maxBytes: config.maxPayloadBytes,
          registry: metrics.registry,
          logger,
        }),
      ],
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
      s3Endpoint: localDelivery?.s3Endpoint,
      metrics,
      bridge,
      async shutdown(timeoutMs = config.shutdownTimeoutMs) {
        shuttingDown = true;
        broker.stopAccepting();
        let flushed = true;
        let unflushed = 0;
        if (spoolForwarding !== undefined) {
          // Everything acknowledged is durable already; use the time to drain the spool, and leave the rest for
          // the next start.
          logger.info({ spooled: spool?.stats().entries }, 'shutting down: draining the spool');
          const result = await spoolForwarding.drain(timeoutMs);
          spoolForwarding.stop();
          flushed = result.drained;
          unflushed = result.remaining;
          if (!result.drained) logger.info({ remaining: result.remaining }, 'readings stay in the spool for the next start');
        } else {
          logger.info({ bufferedReadings: bridge.stats().bufferedReadings }, 'shutting down: flushing buffered readings');
          try {
            await bridge.flush(timeoutMs);
          } catch (err) {
            if (!isGatewayError(err, 'GW_ERR_FLUSH_TIMEOUT')) throw err;
            flushed = false;
            unflushed = bridge.stats().bufferedReadings;
            logger.error({ unflushed }, 'shutdown deadline passed; unflushed readings were never acknowledged');
          }
        }
        await closeAll();
        // In spool mode nothing acknowledged is only in memory, whatever is left.
        const clean = flushed || spoolForwarding !== undefined;
        logger.info({ flushed, unflushed, clean }, 'tidegate stopped');
        return { flushed, unflushed, clean };
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
