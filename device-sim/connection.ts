/**
 * Opens one MQTT.js client for one device. MQTT.js's own reconnect is off (`reconnectPeriod: 0`): the device
 * reconnects itself with jittered exponential backoff, which MQTT.js's fixed period cannot do. For `mqtt://` and
 * `mqtts://` the socket is built here, because MQTT.js's TCP builder does not pass a local (source) address on.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import { MqttClient, connect as mqttConnect, type IClientOptions } from 'mqtt';
import type { TlsFiles } from './options.js';
import type { DevicePlan } from './plan.js';
import type { Rng } from './prng.js';

export interface ConnectionSettings {
  brokerUrl: string;
  tls: TlsFiles;
  keepaliveS: number;
  connectTimeoutMs: number;
}

export type ConnectionFactory = (plan: DevicePlan) => MqttClient;

export function createConnectionFactory(s: ConnectionSettings): ConnectionFactory {
  const url = new URL(s.brokerUrl);
  const host = url.hostname.replace(/^\[|\]$/g, ''); // IPv6 literals come bracketed
  const tlsFiles = {
    ...(s.tls.cert !== undefined ? { cert: s.tls.cert } : {}),
    ...(s.tls.key !== undefined ? { key: s.tls.key } : {}),
    ...(s.tls.ca !== undefined ? { ca: s.tls.ca } : {}),
  };
  return (plan) => {
    const options: IClientOptions = {
      clientId: plan.id,
      protocolVersion: 4, // the gateway speaks MQTT 3.1.1
      clean: true,
      keepalive: s.keepaliveS,
      connectTimeout: s.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      ...(plan.username !== undefined ? { username: plan.username } : {}),
      ...(plan.password !== undefined ? { password: plan.password } : {}),
    };
    const localAddress = plan.localAddress;
    switch (url.protocol) {
      case 'mqtt:': {
        const port = Number(url.port || 1883);
        return new MqttClient(() => netConnect({ host, port, ...(localAddress !== undefined ? { localAddress } : {}) }), options);
      }
      case 'mqtts:': {
        const port = Number(url.port || 8883);
        return new MqttClient(
          () =>
            tlsConnect({
              host,
              port,
              ...(isIP(host) === 0 ? { servername: host } : {}),
              ...(localAddress !== undefined ? { localAddress } : {}),
              ...tlsFiles,
            }),
          options,
        );
      }
      default:
        // ws:// and wss://: MQTT.js's WebSocket builder passes wsOptions on to `ws`, including the source address.
        return mqttConnect(url.href, {
          ...options,
          ...tlsFiles,
          wsOptions: { ...tlsFiles, ...(localAddress !== undefined ? { localAddress } : {}) },
        });
    }
  };
}

/** How long a graceful DISCONNECT may take before the socket is destroyed. */
const CLOSE_TIMEOUT_MS = 2000;

/** Ends a client: DISCONNECT when asked to be graceful (destroying the socket after CLOSE_TIMEOUT_MS), else at once. */
export function closeClient(c: MqttClient | undefined, graceful: boolean): Promise<void> {
  if (c === undefined) return Promise.resolve();
  c.removeAllListeners();
  c.on('error', () => undefined); // a late socket error must not become an uncaught exception
  if (!graceful) {
    c.end(true);
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      c.end(true);
      resolve();
    }, CLOSE_TIMEOUT_MS);
    c.end(false, () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Delay before reconnect attempt number `failures` (1 = first): the ceiling min(max, base·2^(failures-1)) with
 * "equal jitter", uniform in [ceiling/2, ceiling]. Never sooner than half the ceiling, so a gateway restart
 * meets a wave spread over time rather than every device at once.
 */
export function reconnectDelay(failures: number, baseMs: number, maxMs: number, rng: Rng): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  return ceiling * (0.5 + 0.5 * rng.next());
}
