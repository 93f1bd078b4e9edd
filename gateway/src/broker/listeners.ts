import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { certificateIdentity, type CertificateIdentity } from '../auth/certificate.js';
import type { ListenAddress, TlsMaterial } from '../auth/settings.js';
import { GatewayError } from '../../../common/errors.js';
import type { LoginBackoff } from '../limits/login-backoff.js';
import { guardPackets } from '../limits/packet-guard.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';

/** Pending connections the kernel may queue for us. */
const LISTEN_BACKLOG = 4096;

export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

/** What the listener knows about a connection before MQTT starts: where it comes from and its certificate. */
export interface ConnectionInfo {
  transport: Transport;
  remoteAddress: string;
  certificate: CertificateIdentity;
}

const infos = new WeakMap<object, ConnectionInfo>();

/** The listener's knowledge of the stream aedes was handed (its `client.conn`). */
export function connectionInfo(stream: object): ConnectionInfo | undefined {
  return infos.get(stream);
}

export interface ListenersOptions {
  tcp: ListenAddress;
  tls?: ListenAddress;
  ws?: ListenAddress;
  wss?: ListenAddress;
  tlsMaterial?: TlsMaterial;
  /** Hands a connection to the MQTT broker. */
  handle(stream: Duplex, req?: IncomingMessage): void;
  maxConnections: number;
  maxPacketBytes: number;
  maxConnectBytes: number;
  /** TLS handshake deadline (the CONNECT timeout). */
  handshakeTimeoutMs: number;
  backoff: LoginBackoff;
  /** Whether failed handshakes count towards the login backoff (only while authentication is required). */
  backoffOnHandshakeFailure: boolean;
  metrics: GatewayMetrics;
  logger: Logger;
}

export interface Listeners {
  readonly ports: { tcp: number; tls?: number; ws?: number; wss?: number };
  readonly listening: boolean;
  readonly openConnections: number;
  /** Closes the listening sockets; open connections stay. */
  stopAccepting(): void;
  close(): Promise<void>;
}


function listen(server: NetServer, address: ListenAddress, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new GatewayError('GW_ERR_LISTEN', `${name} listener could not bind ${address.host}:${address.port}: ${err.message}`, { cause: err })),
    );
    // Node's default accept backlog (511) overflows when thousands of devices reconnect at once; the kernel caps
    // this at net.core.somaxconn.
    server.listen({ port: address.port, host: address.host, backlog: LISTEN_BACKLOG }, () => resolve((server.address() as AddressInfo).port));
  });
}

/** The MQTT listeners: TCP, TLS, WebSocket and secure WebSocket, all feeding one broker through the same gate. */
export async function startListeners(options: ListenersOptions): Promise<Listeners> {
  const { metrics, logger, backoff } = options;
  let open = 0;
  let accepting = true;
  const servers: NetServer[] = [];
  const sockets = new Set<Socket>();

  /** Accept-time gate: capacity and failed-login backoff, before any TLS or WebSocket work is spent. */
  function admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const refuse = (reason?: string): false => {
      if (reason !== undefined) metrics.connectionsRefused.inc({ reason });
      socket.destroy();
      return false;
    };
    if (!accepting) return refuse();
    if (open >= options.maxConnections) return refuse('max_connections');
    if (backoff.blockedFor(address) > 0) return refuse('login_backoff');
    open++;
    sockets.add(socket);
    socket.once('close', () => {
      open--;
      sockets.delete(socket);
    });
    return true;
  }

  function hand(stream: Duplex, info: ConnectionInfo, req?: IncomingMessage): void {
    infos.set(stream, info);
    guardPackets(stream, { maxPacketBytes: options.maxPacketBytes, maxConnectBytes: options.maxConnectBytes });
    options.handle(stream, req);
  }

  const ports: { tcp: number; tls?: number; ws?: number; wss?: number } = { tcp: 0 };
  const material = options.tlsMaterial;
  const tlsOptions =
    material === undefined
      ? undefined
      : {
          cert: material.cert,
          key: material.key,
          ...(material.ca === undefined ? {} : { ca: material.ca }),
          requestCert: material.ca !== undefined,
          rejectUnauthorized: material.requireClientCert,
          minVersion: 'TLSv1.2' as const,
          handshakeTimeout: options.handshakeTimeoutMs,
        };
  const onHandshakeFailure = (socket: Socket | TLSSocket): void => {
    metrics.connectionsRefused.inc({ reason: 'tls_handshake' });
    if (options.backoffOnHandshakeFailure) backoff.recordFailure(socket.remoteAddress ?? 'unknown');
    socket.destroy();
  };

  const wsServer = new WebSocketServer({
    noServer: true,
    // One WebSocket message may carry several MQTT packets or part of one; the packet guard checks the packets.
    maxPayload: options.maxPacketBytes + 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  const onUpgrade = (transport: 'ws' | 'wss') => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes('mqtt') && !offered.includes('mqttv3.1')) {
      metrics.connectionsRefused.inc({ reason: 'ws_subprotocol' });
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wsServer.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined);
      const certificate: CertificateIdentity =
        transport === 'wss' && material?.ca !== undefined ? certificateIdentity(socket as TLSSocket) : { kind: 'none' };
      hand(stream, { transport, remoteAddress: req.socket.remoteAddress ?? 'unknown', certificate }, req);
    });
  };
  const plainHttp = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(426, { upgrade: 'websocket', connection: 'close', 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  };

  /**
   * Every listener is a plain TCP server that runs the gate first; admitted sockets are then injected into the
   * protocol server (TLS, HTTP for the WebSocket upgrade) with its documented `connection` event, so refused
   * connections cost no handshake.
   */
  async function open_(address: ListenAddress, name: string, next: (socket: Socket) => void): Promise<number> {
    const server = createNetServer((socket) => {
      if (admit(socket)) next(socket);
    });
    servers.push(server);
    return listen(server, address, name);
  }

  try {
    ports.tcp = await open_(options.tcp, 'MQTT', (socket) =>
      hand(socket, { transport: 'tcp', remoteAddress: socket.remoteAddress ?? 'unknown', certificate: { kind: 'none' } }),
    );
    if (options.tls !== undefined && tlsOptions !== undefined) {
      const tls = createTlsServer(tlsOptions, (socket) => {
        hand(socket, {
          transport: 'tls',
          remoteAddress: socket.remoteAddress ?? 'unknown',
          certificate: material?.ca === undefined ? { kind: 'none' } : certificateIdentity(socket),
        });
      });
      tls.on('tlsClientError', (_err, socket) => onHandshakeFailure(socket));
      ports.tls = await open_(options.tls, 'MQTT TLS', (socket) => tls.emit('connection', socket));
    }
    if (options.ws !== undefined) {
      const ws = createHttpServer(plainHttp);
      ws.on('upgrade', onUpgrade('ws'));
      ports.ws = await open_(options.ws, 'MQTT WebSocket', (socket) => ws.emit('connection', socket));
    }
    if (options.wss !== undefined && tlsOptions !== undefined) {
      const wss = createHttpsServer(tlsOptions, plainHttp);
      wss.on('tlsClientError', (_err, socket) => onHandshakeFailure(socket));
      wss.on('upgrade', onUpgrade('wss'));
      ports.wss = await open_(options.wss, 'MQTT secure WebSocket', (socket) => wss.emit('connection', socket));
    }
  } catch (err) {
    for (const s of servers) if (s.listening) s.close();
    throw err;
  }
  logger.debug({ ports }, 'MQTT listeners ready');

  return {
    ports,
    get listening() {
      return accepting && servers.every((s) => s.listening);
    },
    get openConnections() {
      return open;
    },
    stopAccepting() {
      accepting = false;
      for (const s of servers) if (s.listening) s.close();
    },
    async close() {
      accepting = false;
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              if (!s.listening) return resolve();
              s.close(() => resolve());
            }),
        ),
      );
      for (const socket of sockets) socket.destroy();
    },
  };
}
