import type { GatewayConfig } from '../config/load.js';
import { GatewayError } from '../../../common/errors.js';
import { createDeviceRateLimiter, type DeviceRateLimiter } from '../limits/device-rate.js';
import { createLoginBackoff, type LoginBackoff } from '../limits/login-backoff.js';
import type { Logger } from '../../../common/logger.js';
import { RegistryFileError } from './registry-file.js';
import { openDeviceRegistry, type DeviceRegistry } from './registry.js';
import { isLoopbackHost, resolveSecurity, type SecuritySettings } from './settings.js';
import { createDeviceVerifier, type DeviceVerifier } from './verifier.js';

/**
 * The gateway's security components, shared by every transport: the MQTT broker uses all of them; an HTTP ingest
 * authenticates with `authenticator` (undefined while authentication is off) and asks `rateLimiter.admit`.
 */
export interface Security {
  readonly settings: SecuritySettings;
  readonly registry: DeviceRegistry | undefined;
  /** Secret verification (cached, constant-time); undefined when `--auth off`. */
  readonly authenticator: DeviceVerifier | undefined;
  readonly rateLimiter: DeviceRateLimiter;
  readonly backoff: LoginBackoff;
  close(): void;
}

export function createSecurity(config: GatewayConfig, logger: Logger): Security {
  const settings = resolveSecurity(config);
  let registry: DeviceRegistry | undefined;
  let authenticator: DeviceVerifier | undefined;
  if (settings.auth === 'required') {
    try {
      registry = openDeviceRegistry({ path: settings.devicesFile, logger });
    } catch (err) {
      if (err instanceof RegistryFileError) {
        throw new GatewayError('GW_ERR_CONFIG', `--devices-file: ${err.message}`, { detail: { setting: 'devices-file' }, cause: err });
      }
      throw err;
    }
    authenticator = createDeviceVerifier({ registry, cacheSize: settings.authCacheSize });
    if (registry.size === 0) {
      logger.warn({ devicesFile: settings.devicesFile }, 'the device registry is empty: add devices with `npm run devices -- add <id>`');
    }
  }
  const l = settings.limits;
  const rateLimiter = createDeviceRateLimiter({ messagesPerSecond: l.deviceMessagesPerSecond, bytesPerSecond: l.deviceBytesPerSecond });
  const backoff = createLoginBackoff({ baseMs: l.loginBackoffBaseMs, maxMs: l.loginBackoffMaxMs, freeFailures: l.loginBackoffAfter });
  if (settings.auth === 'required') {
    for (const listener of [settings.tcp, settings.ws]) {
      if (listener !== undefined && !isLoopbackHost(listener.host)) {
        logger.warn({ host: listener.host, port: listener.port }, 'a plaintext MQTT listener is reachable from other machines: device secrets cross the network unencrypted unless TLS is terminated in front of it');
      }
    }
    if (settings.httpToken === undefined && !isLoopbackHost(settings.http.host)) {
      logger.warn({ host: settings.http.host }, 'the HTTP endpoints are reachable from other machines without a token (--http-token)');
    }
  }
  return {
    settings,
    registry,
    authenticator,
    rateLimiter,
    backoff,
    close() {
      registry?.close();
    },
  };
}
