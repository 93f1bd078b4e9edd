import { Aedes, type Client } from 'aedes';
import type { SecuritySettings } from '../auth/settings.js';
import type { DeviceRegistry } from '../auth/registry.js';
import type { DeviceVerifier } from '../auth/verifier.js';
import { GatewayError } from '../../../common/errors.js';
import type { Ingest } from '../ingest/pipeline.js';
import { createEventLog } from '../logging/event-log.js';
import type { DeviceRateLimiter } from '../limits/device-rate.js';
import type { LoginBackoff } from '../limits/login-backoff.js';
import { createPacer } from '../limits/pacer.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { startListeners, type Listeners } from './listeners.js';
import { createSessionPolicy } from './session-policy.js';

export interface BrokerOptions {
  /** Listeners, authentication mode and limits (see auth/settings.ts). */
  security: SecuritySettings;
  /** Secret checks; required when `security.auth` is `required`. */
  verifier?: DeviceVerifier;
  registry?: DeviceRegistry;
  rateLimiter: DeviceRateLimiter;
  backoff: LoginBackoff;
  ingest: Ingest;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Scale-out: the shared emitter and persistence from `connectCluster` (cluster.ts). Default: this process only. */
  cluster?: { mq: unknown; persistence: unknown };
}

/** The MQTT side of the gateway. The only module that knows aedes; the rest sees identities and publishes. */
export interface Broker {
  /** The plain TCP listener's port. */
  readonly port: number;
  readonly ports: Listeners['ports'];
  readonly connectedClients: number;
  readonly listening: boolean;
  /**
   * Stops accepting connections and stops taking publishes: publishes that arrive from now on are held without
   * acknowledgement (their devices resend them after reconnecting), which also stops reading those sockets.
   */
  stopAccepting(): void;
  /**
   * Publishes a message as the broker itself (never a reading: it does not pass the ingest), to subscribers here
   * and, in a cluster, on every other gateway; QoS 1 copies wait in persistent sessions of offline subscribers.
   */
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  /** Disconnects every client and closes the listeners. */
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const { ingest, metrics, logger, security, rateLimiter } = options;
  const limits = security.limits;
  // Connection events at info, summarised beyond a burst so that thousands of devices reconnecting do not flood.
  const events = createEventLog({ logger });
  const peers = new WeakMap<Client, { remoteAddress: string | undefined; since: number }>();
  const policy = createSessionPolicy({
    auth: security.auth,
    ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    certDevices: security.certDevices,
    backoff: options.backoff,
    keepaliveMaxS: limits.keepaliveMaxS,
    maxTopicLevels: limits.maxTopicLevels,
    metrics,
    logger,
  });
  // Devices over their rate are delayed in arrival order: their publish stays unacknowledged and aedes reads no
  // more from their socket meanwhile (the same mechanism as the bridge's backpressure).
  const pacer = createPacer();
  let draining = false;

  const aedes = await Aedes.createBroker({
    // MQTT 3.1 capped client ids at 23 bytes; device ids may be up to 128 characters.
    maxClientsIdLength: 128,
    ...(options.cluster === undefined ? {} : { mq: options.cluster.mq, persistence: options.cluster.persistence }),
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    // aedes' own hard cap; the configured depth is enforced by the policy, which counts it.
    maxTopicLevels: 100,
    preConnect: (client, packet, callback) => policy.preConnect(client, packet, callback),
    authenticate: (client, username, password, callback) => policy.authenticate(client, username, password, callback),
    authorizeSubscribe: (client, sub, callback) => policy.authorizeSubscribe(client, sub, callback),
    authorizePublish(client, packet, callback) {
      const session = client === null ? undefined : policy.sessionOf(client);
      if (session === undefined) {
        // Broker-internal publishes ($SYS): plain MQTT, never readings.
        callback(null);
        return;
      }
      if (draining) return; // held: no acknowledgement, and aedes reads no more from this socket
      const identity = session.deviceId;
      const topic = packet.topic;
      const refusal = policy.checkPublishTopic(topic);
      if (refusal !== undefined) {
        metrics.publishesRefused.inc({ reason: refusal });
        logger.info({ deviceId: identity, reason: refusal }, 'publish refused, closing connection');
        callback(new GatewayError('GW_ERR_NOT_AUTHORIZED', `publish refused: ${refusal}`));
        return;
      }
      // Retained messages are not kept: a device could otherwise grow the broker's memory with one retained
      // message per topic of its namespace.
      packet.retain = false;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const qos = packet.qos;
      const { delayMs, limitedBy } = rateLimiter.charge(identity, 1, payload.length + topic.length);
      if (limitedBy !== undefined) metrics.publishesThrottled.inc({ limit: limitedBy });
      pacer.run(identity, delayMs, () => {
        // The result callback may wait for Kinesis: keep it from retaining the packet and its payload.
        ingest.handle({ identity, topic, payload, qos, protocol: 'mqtt' }, (result) => {
          switch (result.action) {
            case 'ack':
              callback(null);
              break;
            case 'refuse':
              metrics.publishesRefused.inc({ reason: result.reason === 'identity_mismatch' ? 'foreign_device' : 'outside_namespace' });
              events.event('publish_refused', 'warn', { deviceId: identity, topic: topic.slice(0, 256), reason: result.reason }, 'publish refused, closing connection');
              callback(new GatewayError('GW_ERR_NOT_AUTHORIZED', result.message));
              break;
            case 'unavailable':
              // Leave it unacknowledged; the connection closes during shutdown and the device resends.
              break;
          }
        });
      });
    },
  });

  aedes.on('client', (client) => {
    policy.onClientRegistered(client);
    metrics.connectionsTotal.inc();
    metrics.connections.set(aedes.connectedClients);
    const conn = client.conn as { remoteAddress?: string; remotePort?: number };
    const remoteAddress = conn.remoteAddress === undefined ? undefined : `${conn.remoteAddress}:${conn.remotePort ?? ''}`;
    peers.set(client, { remoteAddress, since: Date.now() });
    events.event('connection_accepted', 'info', { clientId: client.id, remoteAddress, connections: aedes.connectedClients }, 'connection accepted');
  });
  aedes.on('clientDisconnect', (client) => {
    policy.onClientGone(client);
    metrics.connections.set(aedes.connectedClients);
    const peer = peers.get(client);
    events.event(
      'connection_closed',
      'info',
      {
        clientId: client.id,
        remoteAddress: peer?.remoteAddress,
        connectedSeconds: peer === undefined ? undefined : (Date.now() - peer.since) / 1000,
        connections: aedes.connectedClients,
      },
      'connection closed',
    );
  });
  aedes.on('clientError', (client, err) => {
    policy.onError(client, err);
    logger.debug({ clientId: client.id, err: err.message }, 'client error');
  });
  aedes.on('connectionError', (client, err) => {
    policy.onError(client, err);
    logger.debug({ err: err.message }, 'connection error');
  });

  let listeners: Listeners;
  try {
    listeners = await startListeners({
      tcp: security.tcp,
      ...(security.tls === undefined ? {} : { tls: security.tls }),
      ...(security.ws === undefined ? {} : { ws: security.ws }),
      ...(security.wss === undefined ? {} : { wss: security.wss }),
      ...(security.tlsMaterial === undefined ? {} : { tlsMaterial: security.tlsMaterial }),
      handle: (stream, req) => {
        if (draining) {
          stream.destroy();
          return;
        }
        aedes.handle(stream, req);
      },
      maxConnections: limits.maxConnections,
      maxPacketBytes: limits.maxPacketBytes,
      maxConnectBytes: limits.maxConnectBytes,
      handshakeTimeoutMs: limits.connectTimeoutMs,
      backoff: options.backoff,
      backoffOnHandshakeFailure: security.auth === 'required',
      metrics,
      logger,
    });
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }

  return {
    port: listeners.ports.tcp,
    ports: listeners.ports,
    get connectedClients() {
      return aedes.connectedClients;
    },
    get listening() {
      return listeners.listening && !draining;
    },
    publish(topic, payload, qos) {
      return new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload, qos, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      );
    },
    stopAccepting() {
      draining = true;
      listeners.stopAccepting();
    },
    async close() {
      draining = true;
      listeners.stopAccepting();
      pacer.clear();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await listeners.close();
      metrics.connections.set(0);
      events.close();
    },
  };
}
