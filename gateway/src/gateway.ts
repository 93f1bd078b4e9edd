import { startBroker, type Broker } from './broker/broker.js';
import { createSecurity, type Security } from './auth/security.js';
import { connectCluster, type ClusterBackend } from './broker/cluster.js';
import { createCommandsRoute } from './http/commands-route.js';
import type { GatewayConfig } from './config/load.js';
import { isTidegateError } from '../../common/errors.js';
import { startHttpServer, type HttpServer, type ReadinessCheck } from './http/server.js';
import type { DeviceAuthenticator } from './http/auth.js';
import { createDashboardRoutes } from './http/dashboard-routes.js';
import { createHttpIngest } from './http/ingest-route.js';
import { createLatestReadings } from './ops/latest-readings.js';
import { createStatsSampler } from './ops/stats.js';
import { createDeadLetterWriter, type DeadLetterWriter } from './ingest/dead-letter.js';
import { createSequencer } from './ingest/envelope.js';
import type { Forwarder } from './ingest/forwarder.js';
import { createSpoolForwarding, type SpoolForwarding } from './bridge/spool-drainer.js';
import { openSpool, type Spool } from '../../common/spool/index.js';
import { createIngest } from './ingest/pipeline.js';
import { createLogger, resolveLogFormat, type Logger } from '../../common/logger.js';
import { lockDataDir } from '../../common/data-dir-lock.js';
import type { Bridge } from './bridge/bridge.js';
import { setupFirehoseSink } from './sinks/firehose/setup.js';
import { setupKinesisSink } from './sinks/kinesis/setup.js';
import type { SinkSetup } from './sinks/setup.js';
import type { LocalServices } from './sinks/local-services.js';
import { join } from 'node:path';
import { createMetrics, type GatewayMetrics } from './metrics.js';

export interface GatewayDeps {
  logger?: Logger;
  /** Environment, for the credential decision of local mode. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** HTTP ingest authentication: when present, every request must authenticate as the device in its path. */
  httpAuthenticator?: DeviceAuthenticator;
  /** Per-device admission for HTTP ingest (rate limits): false answers 429. */
  httpAdmit?: (deviceId: string, messages: number, bytes: number) => boolean;
  /**
   * The servers run beside the gateway in local mode and with `--delivery on` (embedded Kinesis, delivery runner,
   * local Firehose API). Provided by the local stack (`stack/services.ts`); without it those modes refuse to start.
   */
  services?: LocalServices;
  /** How often the stream's status is checked for `/readyz`. Default 15 s (tests shorten it). */
  streamWatchIntervalMs?: number;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly mqttPort: number;
  /** Bound ports of the optional MQTT listeners; undefined when that listener is off. */
  readonly tlsPort: number | undefined;
  readonly wsPort: number | undefined;
  readonly wssPort: number | undefined;
  readonly httpPort: number;
  /** Authentication, rate limits and backoff, for other transports (HTTP ingest) to share. */
  readonly security: Security;
  /** The sink's API endpoint (Kinesis or Firehose); undefined when the SDK resolves AWS's own. */
  readonly sinkEndpoint: string | undefined;
  /** The Kinesis endpoint in use (`--sink kinesis`); undefined when the SDK resolves AWS's own, or another sink. */
  readonly kinesisEndpoint: string | undefined;
  /** The S3 endpoint the local delivery stage writes to; undefined without one or for AWS's own. */
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

/** Starts every component in order; on a failure, closes what was already started and rethrows. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const env = deps.env ?? process.env;
  const logger =
    deps.logger ?? createLogger({ level: config.logLevel, format: resolveLogFormat(config.logFormat, process.stdout.isTTY) });
  const local = config.mode === 'local';
  // Authentication, listeners and limits; refuses (GW_ERR_CONFIG) any non-loopback listener while auth is off.
  const security: Security = createSecurity(config, logger);

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

  closers.push(async () => security.close());
  try {
    const unlock = lockDataDir(config.dataDir);
    closers.push(async () => unlock());
    const metrics = createMetrics();

    const deadLetter: DeadLetterWriter = createDeadLetterWriter({
      path: join(config.dataDir, 'dead-letter.jsonl'),
      metrics,
    });
    closers.push(() => deadLetter.close());

    // Opened before the sink's bridge so that it closes after it: entries the bridge could not deliver stay spooled.
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

    const sinkContext = { config, metrics, logger, env, closers, services: deps.services, watchIntervalMs: deps.streamWatchIntervalMs };
    const sink: SinkSetup = config.sink === 'firehose' ? await setupFirehoseSink(sinkContext) : await setupKinesisSink(sinkContext);
    const { bridge, endpoint } = sink;

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
    // The dashboard's view of the newest reading of a few devices: bounded, constant time per reading.
    const latest = createLatestReadings();
    const inner = forwarder;
    forwarder = {
      limits: inner.limits,
      forward(deviceId, record, accepted) {
        latest.record(deviceId, record);
        inner.forward(deviceId, record, accepted);
      },
      get overloaded() {
        return inner.overloaded;
      },
      whenRelieved: (callback) => inner.whenRelieved(callback),
    };
    const ingest = createIngest({ forwarder, deadLetter, metrics, logger, sequencer, maxPayloadBytes: config.maxPayloadBytes });

    const broker: Broker = await startBroker({
      security: security.settings,
      ...(security.authenticator === undefined ? {} : { verifier: security.authenticator }),
      ...(security.registry === undefined ? {} : { registry: security.registry }),
      rateLimiter: security.rateLimiter,
      backoff: security.backoff,
      ingest,
      metrics,
      logger,
      ...(cluster === undefined ? {} : { cluster }),
    });
    closers.push(() => broker.close());

    let shuttingDown = false;
    const readiness = (): Record<string, ReadinessCheck> => {
      const fatal = bridge.fatalError;
      return {
        mqtt: { ok: broker.listening, detail: broker.listening ? `listening on ${config.mqttHost}:${broker.port}` : 'not accepting connections' },
        stream: (() => {
          const watched = sink.watch.state;
          if (fatal !== undefined) return { ok: false, detail: `${fatal.message} (${String(fatal.detail['hint'] ?? '')})` };
          if (!sink.watch.writable) return { ok: false, detail: `${sink.target} is ${watched.status}: it does not take writes` };
          return { ok: true, detail: `${sink.target} ${watched.status} and writable` };
        })(),
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
    const stats = createStatsSampler({ registry: metrics.registry });
    closers.push(async () => stats.close());
    const httpAuthenticator = deps.httpAuthenticator ?? security.authenticator;
    const httpIngest = createHttpIngest({
      ingest,
      overloaded: () => forwarder.overloaded,
      logger,
      maxBodyBytes: config.httpMaxBodyBytes,
      readTimeoutMs: config.httpReadTimeoutMs,
      // With authentication off the listeners are loopback-only (createSecurity refuses anything else).
      allowAnonymous: security.settings.auth === 'off',
      ...(httpAuthenticator === undefined ? {} : { authenticator: httpAuthenticator }),
      admit: deps.httpAdmit ?? ((deviceId, messages, bytes) => security.rateLimiter.admit(deviceId, messages, bytes)),
    });
    const http: HttpServer = await startHttpServer({
      host: config.httpHost,
      port: config.httpPort,
      metrics,
      logger,
      readiness,
      ingest: httpIngest,
      dashboard: createDashboardRoutes({ stats, latest }),
      ...(security.settings.httpToken === undefined ? {} : { token: security.settings.httpToken }),
      routes: [
        createCommandsRoute({
          token: security.settings.httpToken,
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
        ...(broker.ports.tls === undefined ? {} : { tls: `${security.settings.tls?.host}:${broker.ports.tls}` }),
        ...(broker.ports.ws === undefined ? {} : { ws: `${security.settings.ws?.host}:${broker.ports.ws}` }),
        ...(broker.ports.wss === undefined ? {} : { wss: `${security.settings.wss?.host}:${broker.ports.wss}` }),
        auth: security.settings.auth,
        [config.sink]: endpoint ?? 'aws',
        target: sink.target,
        epoch: sequencer.epoch,
      },
      security.settings.auth === 'off'
        ? `tidegate started${local ? ' in local mode' : ''}: devices connect WITHOUT credentials on these loopback-only listeners; ` +
            'the device id is the MQTT client id'
        : `tidegate started${local ? ' in local mode' : ''}: devices authenticate (registry ${security.settings.devicesFile})`,
    );

    return {
      config,
      mqttPort: broker.port,
      tlsPort: broker.ports.tls,
      wsPort: broker.ports.ws,
      wssPort: broker.ports.wss,
      httpPort: http.port,
      security,
      sinkEndpoint: endpoint,
      kinesisEndpoint: config.sink === 'kinesis' ? endpoint : undefined,
      s3Endpoint: sink.s3Endpoint,
      metrics,
      bridge,
      async shutdown(timeoutMs = config.shutdownTimeoutMs) {
        shuttingDown = true;
        broker.stopAccepting();
        httpIngest.stopAccepting();
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
            if (!isTidegateError(err, 'GW_ERR_FLUSH_TIMEOUT')) throw err;
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
