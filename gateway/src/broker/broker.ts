import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { GatewayError } from '../errors.js';
import type { Ingest } from '../ingest/pipeline.js';
import { isValidDeviceId } from '../ingest/topic.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';

/** Pending connections the kernel may queue for us. */
const LISTEN_BACKLOG = 4096;

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3. */
const IDENTIFIER_REJECTED = 2;

export interface BrokerOptions {
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 1883. */
  port?: number;
  ingest: Ingest;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Scale-out: the shared emitter and persistence from `connectCluster` (cluster.ts). Default: this process only. */
  cluster?: { mq: unknown; persistence: unknown };
}

/** The MQTT side of the gateway. The only module that knows aedes; the rest sees identities and publishes. */
export interface Broker {
  readonly port: number;
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
  /** Disconnects every client and closes the listener. */
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const { ingest, metrics, logger } = options;
  const identities = new WeakMap<Client, string>();
  let draining = false;

  const aedes = await Aedes.createBroker({
    // MQTT 3.1 capped client ids at 23 bytes; device ids may be up to 128 characters.
    maxClientsIdLength: 128,
    ...(options.cluster === undefined ? {} : { mq: options.cluster.mq, persistence: options.cluster.persistence }),
    authenticate(client, _username, _password, callback) {
      // Local mode: the identity is the client id, as Mosquitto's anonymous local listener would have it.
      if (!isValidDeviceId(client.id)) {
        metrics.connectionsRefused.inc({ reason: 'invalid_client_id' });
        logger.info({ clientId: client.id }, 'connection refused: client id is not a valid device id');
        const err = new Error('client id is not a valid device id') as AuthenticateError;
        err.returnCode = IDENTIFIER_REJECTED;
        callback(err, false);
        return;
      }
      identities.set(client, client.id);
      callback(null, true);
    },
    authorizePublish(client, packet, callback) {
      const identity = client === null ? undefined : identities.get(client);
      if (identity === undefined) {
        // Wills and broker-internal publishes: plain MQTT, never readings.
        callback(null);
        return;
      }
      if (draining) return; // held: no acknowledgement, and aedes reads no more from this socket
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // The result callback may wait for Kinesis: keep it from retaining the packet and its payload.
      const topic = packet.topic;
      ingest.handle(
        { identity, topic, payload, qos: packet.qos, protocol: 'mqtt' },
        (result) => {
          switch (result.action) {
            case 'ack':
              callback(null);
              break;
            case 'refuse':
              logger.info({ deviceId: identity, topic, reason: result.reason }, 'publish refused, closing connection');
              callback(new GatewayError('GW_ERR_NOT_AUTHORIZED', result.message));
              break;
            case 'unavailable':
              // Leave it unacknowledged; the connection closes during shutdown and the device resends.
              break;
          }
        },
      );
    },
  });

  aedes.on('client', () => {
    metrics.connectionsTotal.inc();
    metrics.connections.set(aedes.connectedClients);
  });
  aedes.on('clientDisconnect', (client) => {
    metrics.connections.set(aedes.connectedClients);
    logger.debug({ clientId: client.id }, 'client disconnected');
  });
  aedes.on('clientError', (client, err) => {
    logger.debug({ clientId: client.id, err: err.message }, 'client error');
  });
  aedes.on('connectionError', (client, err) => {
    logger.debug({ clientId: client.id, err: err.message }, 'connection error');
  });

  const server: Server = createServer((socket) => {
    if (draining) {
      socket.destroy();
      return;
    }
    aedes.handle(socket);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new GatewayError('GW_ERR_LISTEN', `MQTT listener could not bind ${host}:${options.port ?? 1883}: ${err.message}`, { cause: err })),
    );
    // Node's default accept backlog (511) overflows when thousands of devices reconnect at once; the kernel caps
    // this at net.core.somaxconn.
    server.listen({ port: options.port ?? 1883, host, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    get connectedClients() {
      return aedes.connectedClients;
    },
    get listening() {
      return server.listening && !draining;
    },
    publish(topic, payload, qos) {
      return new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload, qos, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      );
    },
    stopAccepting() {
      draining = true;
      if (server.listening) server.close();
    },
    async close() {
      draining = true;
      if (server.listening) server.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      metrics.connections.set(0);
    },
  };
}
