import type { Bridge } from '../bridge/bridge.js';
import type { GatewayConfig } from '../config/load.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { LocalServices } from './local-services.js';
import type { StreamWatch } from './status-watch.js';

/** What the composition root hands a sink's setup. */
export interface SinkSetupContext {
  config: GatewayConfig;
  metrics: GatewayMetrics;
  logger: Logger;
  env: Readonly<Record<string, string | undefined>>;
  /** Close functions, run in reverse order at shutdown or when a later start step fails. */
  closers: (() => Promise<void>)[];
  /** The servers local mode and `--delivery` run beside the gateway (the local stack provides them). */
  services?: LocalServices | undefined;
  /** Status check period of the destination watch, ms (tests shorten it). Default 15 s. */
  watchIntervalMs?: number | undefined;
}

/** A started sink: the bridge readings are submitted to, and what the gateway reports about its destination. */
export interface SinkSetup {
  readonly bridge: Bridge;
  /** What readings go to, for logs and `/readyz` (e.g. `stream telemetry`). */
  readonly target: string;
  /** The sink's API endpoint; undefined when the SDK resolves AWS's own. */
  readonly endpoint: string | undefined;
  /** The S3 endpoint a local delivery stage writes to; undefined without one, or for AWS's own. */
  readonly s3Endpoint: string | undefined;
  /** The destination's status, checked periodically for `/readyz`. */
  readonly watch: StreamWatch;
}

/**
 * Local mode talks to embedded servers with static dummy credentials, unless the user pointed it at an endpoint of
 * their own and has credentials configured.
 */
export function localClientSettings(
  ctx: SinkSetupContext,
  embedded: boolean,
): { region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const { config, env } = ctx;
  const local = config.mode === 'local';
  const staticCredentials = local && (embedded || (env['AWS_ACCESS_KEY_ID'] === undefined && env['AWS_PROFILE'] === undefined));
  return {
    ...(config.region !== undefined ? { region: config.region } : local ? { region: 'us-east-1' } : {}),
    ...(staticCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
}

/** The bridge settings every sink takes from the configuration. */
export function bridgeSettings(config: GatewayConfig) {
  return {
    lingerMs: config.lingerMs,
    maxInFlight: config.maxInFlight,
    maxBufferedReadings: config.maxBufferedReadings,
    maxBufferedBytes: config.maxBufferedBytes,
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}
