import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '../config/load.js';
import { GatewayError } from '../../../common/errors.js';

/** A listener's address, and the setting that names it (for error messages). */
export interface ListenAddress {
  host: string;
  port: number;
  hostSetting: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Present when client certificates are accepted. */
  ca?: Buffer;
  requireClientCert: boolean;
}

/** The security settings resolved from the configuration: defaults by mode, files read, combinations checked. */
export interface SecuritySettings {
  auth: 'off' | 'required';
  devicesFile: string;
  authCacheSize: number;
  tcp: ListenAddress;
  tls?: ListenAddress;
  ws?: ListenAddress;
  wss?: ListenAddress;
  http: ListenAddress;
  tlsMaterial?: TlsMaterial;
  certDevices: 'any' | 'registered';
  httpToken?: string;
  limits: {
    maxConnections: number;
    connectTimeoutMs: number;
    keepaliveMaxS: number;
    /** Effective cap: at least max-payload-bytes + 4096. */
    maxPacketBytes: number;
    maxConnectBytes: number;
    maxTopicLevels: number;
    deviceMessagesPerSecond: number;
    deviceBytesPerSecond: number;
    loginBackoffBaseMs: number;
    loginBackoffMaxMs: number;
    loginBackoffAfter: number;
    drainTimeoutMs: number;
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

function configError(message: string, setting: string): GatewayError {
  return new GatewayError('GW_ERR_CONFIG', message, { detail: { setting } });
}

function readPem(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw configError(`--${setting} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, setting);
  }
}

/** Largest CONNECT packet: client id, username, password and a will of a few KiB fit easily. */
const MAX_CONNECT_BYTES = 64 * 1024;

/**
 * Resolves and checks the security settings. Throws GW_ERR_CONFIG naming the setting when authentication is off
 * while any listener binds a non-loopback address, or when the TLS / token settings do not fit together.
 * Secret values (the HTTP token) never appear in a message.
 */
export function resolveSecurity(config: GatewayConfig): SecuritySettings {
  const local = config.mode === 'local';
  const auth = config.auth ?? (local ? 'off' : 'required');
  const tcp: ListenAddress = { host: config.mqttHost, port: config.mqttPort, hostSetting: 'mqtt-host' };
  const http: ListenAddress = { host: config.httpHost, port: config.httpPort, hostSetting: 'http-host' };

  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw configError('--tls-cert and --tls-key go together: set both to run the TLS listeners, or neither', config.tlsCert === undefined ? 'tls-cert' : 'tls-key');
  }
  let tlsMaterial: TlsMaterial | undefined;
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    const ca = config.tlsCa === undefined ? undefined : readPem(config.tlsCa, 'tls-ca');
    if (config.tlsClientCert === 'required' && ca === undefined) {
      throw configError('--tls-client-cert required needs --tls-ca (the CA that signs device certificates)', 'tls-client-cert');
    }
    tlsMaterial = {
      cert: readPem(config.tlsCert, 'tls-cert'),
      key: readPem(config.tlsKey, 'tls-key'),
      ...(ca === undefined ? {} : { ca }),
      requireClientCert: config.tlsClientCert === 'required',
    };
  } else if (config.tlsCa !== undefined) {
    throw configError('--tls-ca needs --tls-cert and --tls-key (client certificates are only checked on TLS listeners)', 'tls-ca');
  }
  if (config.wss === 'on' && tlsMaterial === undefined) {
    throw configError('--wss on needs --tls-cert and --tls-key', 'wss');
  }
  const tls = tlsMaterial === undefined ? undefined : { host: config.tlsHost ?? config.mqttHost, port: config.tlsPort, hostSetting: config.tlsHost === undefined ? 'mqtt-host' : 'tls-host' };
  const ws = config.ws === 'on' ? { host: config.wsHost ?? config.mqttHost, port: config.wsPort, hostSetting: config.wsHost === undefined ? 'mqtt-host' : 'ws-host' } : undefined;
  const wss = config.wss === 'on' ? { host: config.wssHost ?? config.mqttHost, port: config.wssPort, hostSetting: config.wssHost === undefined ? 'mqtt-host' : 'wss-host' } : undefined;

  if (auth === 'off') {
    for (const l of [tcp, tls, ws, wss, http]) {
      if (l !== undefined && !isLoopbackHost(l.host)) {
        throw configError(
          `--${l.hostSetting} ${l.host}: authentication is off (--auth off${config.auth === undefined ? ', the local-mode default' : ''}), so every ` +
            'listener must bind loopback (127.0.0.0/8, ::1, localhost); set --auth required to listen on other addresses',
          'auth',
        );
      }
    }
  }

  if (config.httpToken !== undefined && config.httpTokenFile !== undefined) {
    throw configError('--http-token and --http-token-file are alternatives: set one', 'http-token');
  }
  let httpToken = config.httpToken;
  if (config.httpTokenFile !== undefined) {
    try {
      httpToken = (readFileSync(config.httpTokenFile, 'utf8').split(/\r?\n/, 1)[0] ?? '').trim();
    } catch (err) {
      throw configError(`--http-token-file ${config.httpTokenFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 'http-token-file');
    }
  }
  if (httpToken !== undefined && (httpToken.length < 16 || /\s/.test(httpToken))) {
    throw configError(`--${config.httpTokenFile !== undefined ? 'http-token-file' : 'http-token'}: the token must be at least 16 characters without spaces`, 'http-token');
  }

  const maxPacketBytes = Math.max(config.maxPacketBytes, config.maxPayloadBytes + 4096);
  return {
    auth,
    devicesFile: config.devicesFile ?? join(config.dataDir, 'devices.json'),
    authCacheSize: config.authCacheSize,
    tcp,
    ...(tls === undefined ? {} : { tls }),
    ...(ws === undefined ? {} : { ws }),
    ...(wss === undefined ? {} : { wss }),
    http,
    ...(tlsMaterial === undefined ? {} : { tlsMaterial }),
    certDevices: config.tlsCertDevices,
    ...(httpToken === undefined ? {} : { httpToken }),
    limits: {
      maxConnections: config.maxConnections,
      connectTimeoutMs: config.connectTimeoutMs,
      keepaliveMaxS: config.keepaliveMaxS,
      maxPacketBytes,
      maxConnectBytes: Math.min(MAX_CONNECT_BYTES, maxPacketBytes),
      maxTopicLevels: config.maxTopicLevels,
      deviceMessagesPerSecond: config.deviceMessagesPerSecond ?? (local ? 0 : 100),
      deviceBytesPerSecond: config.deviceBytesPerSecond ?? (local ? 0 : 512 * 1024),
      loginBackoffBaseMs: config.loginBackoffBaseMs,
      loginBackoffMaxMs: config.loginBackoffMaxMs,
      loginBackoffAfter: config.loginBackoffAfter,
      drainTimeoutMs: config.drainTimeoutMs,
    },
  };
}
