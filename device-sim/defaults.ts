/**
 * The fleet's defaults, in one table: the library applies them (`resolveFleetOptions`) and the CLI's settings
 * document them (`settings.ts`), so the library and the command line cannot disagree about a default.
 */
import { DEFAULT_OVERSIZE_BYTES } from './bad-payloads.js';
import type { FleetOptions } from './options.js';

/** Devices per worker thread when `workers` is not given. */
export const DEVICES_PER_WORKER = 5000;

export const DEFAULT_FLEET_OPTIONS = {
  devices: 10,
  rate: 1,
  qos: 1,
  rampPerSecond: 1000,
  brokerUrl: 'mqtt://127.0.0.1:1883',
  idPrefix: 'sim-',
  anomalyRate: 0,
  badPayloadRate: 0,
  oversizeBytes: DEFAULT_OVERSIZE_BYTES,
  inflight: 10,
  maxQueue: 1000,
  keepaliveS: 60,
  connectTimeoutMs: 30_000,
  reconnectBaseMs: 1000,
  reconnectMaxMs: 30_000,
  drainTimeoutMs: 10_000,
  statsIntervalMs: 1000,
} as const satisfies FleetOptions;
