/**
 * Fleet options: what `createFleet` accepts and their validation. The defaults are one table (`defaults.ts`); the
 * value rules are those of the CLI's settings (`settings.ts`), so the library and the command line cannot disagree
 * about a default or a range.
 */
import { availableParallelism } from 'node:os';
import { InvalidValue } from '../common/settings/index.js';
import { ANOMALY_KINDS, type AnomalyKind } from './anomalies.js';
import { BAD_PAYLOAD_KINDS, type BadPayloadKind } from './bad-payloads.js';
import { defaultProfile, loadCatalog, type Catalog } from './catalog.js';
import { DEFAULT_FLEET_OPTIONS, DEVICES_PER_WORKER } from './defaults.js';
import { usageError } from './errors.js';
import { CHECKED_FLEET_OPTIONS, SIM_SETTINGS } from './settings.js';

export { DEFAULT_FLEET_OPTIONS, DEVICES_PER_WORKER };

/** Called in the fleet's own thread for each acknowledged QoS 1 reading (so only with `workers: 1`). */
export type AckHook = (ack: { deviceId: string; n: number; ts: number }) => void;

export interface TlsFiles {
  /** Client certificate (PEM) for mTLS. */
  cert?: string | Buffer;
  /** Client private key (PEM) for mTLS. */
  key?: string | Buffer;
  /** CA bundle (PEM) that signed the broker's certificate. */
  ca?: string | Buffer;
}

export interface FleetOptions {
  /** Number of simulated devices. Default 10. */
  devices?: number;
  /** Readings per second per device. Default 1. Exclusive with `intervalMs`. */
  rate?: number;
  /** Milliseconds between a device's readings. Default 1000 (from `rate`). */
  intervalMs?: number;
  /** MQTT QoS of every publish. Default 1. */
  qos?: 0 | 1;
  /** New connections per second while the fleet starts (each device's slot is jittered). Default 1000. */
  rampPerSecond?: number;
  /** Seconds each device emits readings, from its power-on (its ramp slot). Default: until `stop()`. */
  durationS?: number;
  /** Ticks (readings, bad payloads, dropouts) per device; with `durationS`, whichever ends first. Default: unlimited. */
  count?: number;
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` URL. Default `mqtt://127.0.0.1:1883`. */
  brokerUrl?: string;
  /** Username for every device. Default: none (or the device id with `secrets`). */
  username?: string;
  /** Password for every device. Default: none. */
  password?: string;
  /** Per-device passwords `{deviceId: secret}`; the username is then the device id. Default: none. */
  secrets?: Readonly<Record<string, string>>;
  /** Client certificate, key and CA for TLS. Default: none (system CAs). */
  tls?: TlsFiles;
  /** Prefix of every device id: `${idPrefix}${type}-${index padded to 5}`. Default `sim-`. */
  idPrefix?: string;
  /** Device types to simulate, spread round-robin. Default: every catalog type without `drop`. */
  profile?: readonly string[];
  /** The catalog itself, or a path to it. Default `transforms/catalog.json` of this repository. */
  catalog?: Catalog | string;
  /** Probability per reading that an anomaly starts, 0..1. Default 0. */
  anomalyRate?: number;
  /** Anomalies to draw from. Default all: spike, stuck, dropout, clock-skew. */
  anomalyKinds?: readonly AnomalyKind[];
  /** Probability per tick that a bad payload replaces the reading, 0..1. Default 0. */
  badPayloadRate?: number;
  /** Bad payloads to draw from. Default all: invalid-json, non-object, oversize, wrong-topic. */
  badPayloadKinds?: readonly BadPayloadKind[];
  /** Size of an oversize payload, bytes. Default 132096 (gateway limit 128 KiB + 1 KiB). */
  oversizeBytes?: number;
  /** Seed of every random stream. Default: a random one, reported in the stats for a re-run. */
  seed?: string | number;
  /** Local addresses to connect from, round-robin (each address has its own ~28k ephemeral ports). Default: OS. */
  sourceIps?: readonly string[];
  /** Worker threads; 1 runs the devices in the calling thread. Default: 1 per 5,000 devices, at most the cores. */
  workers?: number;
  /** QoS 1 publishes a device may have unacknowledged. Default 10. */
  inflight?: number;
  /** Readings a device buffers while offline or while its window is full; the oldest is dropped. Default 1000. */
  maxQueue?: number;
  /** MQTT keep-alive, seconds. Default 60. */
  keepaliveS?: number;
  /** Time allowed from TCP connect to CONNACK, ms. Default 30000. */
  connectTimeoutMs?: number;
  /** First reconnect delay, ms; doubles per failed attempt, jittered to [½, 1] of it. Default 1000. */
  reconnectBaseMs?: number;
  /** Longest reconnect delay, ms. Default 30000. */
  reconnectMaxMs?: number;
  /** How long `stop()` (and a finished device) waits for outstanding acknowledgements, ms. Default 10000. */
  drainTimeoutMs?: number;
  /** Stats period of worker threads and of the recent-latency window, ms. Default 1000. */
  statsIntervalMs?: number;
  /** See `AckHook`. Default: none. */
  onAck?: AckHook;
}

/** Every option decided; plain data (no functions), so it can be handed to worker threads. */
export interface ResolvedFleetOptions {
  devices: number;
  intervalMs: number;
  qos: 0 | 1;
  rampPerSecond: number;
  durationS: number | undefined;
  count: number | undefined;
  brokerUrl: string;
  username: string | undefined;
  password: string | undefined;
  tls: TlsFiles;
  idPrefix: string;
  profile: string[];
  anomalyRate: number;
  anomalyKinds: AnomalyKind[];
  badPayloadRate: number;
  badPayloadKinds: BadPayloadKind[];
  oversizeBytes: number;
  seed: string | number;
  sourceIps: string[];
  workers: number;
  inflight: number;
  maxQueue: number;
  keepaliveS: number;
  connectTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  drainTimeoutMs: number;
  statsIntervalMs: number;
}

/** Device ids become Kinesis partition keys and S3 key parts; the gateway accepts 1-128 of these characters. */
const ID_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{0,100}$/;

/** Checks each given option with the rule of its setting; the message names the option, not the flag. */
function checkOptions(o: FleetOptions): void {
  for (const name of CHECKED_FLEET_OPTIONS) {
    const value = o[name];
    if (value === undefined) continue;
    try {
      SIM_SETTINGS[name].check(value);
    } catch (err) {
      if (err instanceof InvalidValue) throw usageError(`${name}: ${err.message}`);
      throw err;
    }
  }
  if (o.statsIntervalMs !== undefined && !(o.statsIntervalMs > 0 && Number.isFinite(o.statsIntervalMs))) {
    throw usageError(`statsIntervalMs must be a positive number, got ${String(o.statsIntervalMs)}`);
  }
}

/** Applies defaults and checks every option; throws SIM_ERR_USAGE naming the first bad one. */
export function resolveFleetOptions(o: FleetOptions, catalog: Catalog): ResolvedFleetOptions {
  checkOptions(o);
  if (o.rate !== undefined && o.intervalMs !== undefined) throw usageError('give rate or intervalMs, not both');
  const qos = o.qos ?? DEFAULT_FLEET_OPTIONS.qos;
  const brokerUrl = o.brokerUrl ?? DEFAULT_FLEET_OPTIONS.brokerUrl;
  const idPrefix = o.idPrefix ?? DEFAULT_FLEET_OPTIONS.idPrefix;
  if (!ID_PREFIX_PATTERN.test(idPrefix)) throw usageError(`idPrefix ${JSON.stringify(idPrefix)} may only use A-Z a-z 0-9 _ . : - (at most 100)`);
  const profile = o.profile === undefined ? defaultProfile(catalog) : [...new Set(o.profile)];
  if (profile.length === 0) throw usageError('profile names no device type');
  const unknown = profile.filter((t) => catalog.types[t] === undefined);
  if (unknown.length > 0) throw usageError(`profile: unknown device type ${unknown.join(', ')} (catalog has: ${Object.keys(catalog.types).join(', ')})`);
  const anomalyRate = o.anomalyRate ?? DEFAULT_FLEET_OPTIONS.anomalyRate;
  const badPayloadRate = o.badPayloadRate ?? DEFAULT_FLEET_OPTIONS.badPayloadRate;
  const devices = o.devices ?? DEFAULT_FLEET_OPTIONS.devices;
  const reconnectBaseMs = o.reconnectBaseMs ?? DEFAULT_FLEET_OPTIONS.reconnectBaseMs;
  const reconnectMaxMs = o.reconnectMaxMs ?? Math.max(DEFAULT_FLEET_OPTIONS.reconnectMaxMs, reconnectBaseMs);
  if (reconnectMaxMs < reconnectBaseMs) throw usageError('reconnectMaxMs must be at least reconnectBaseMs');
  const workers = Math.min(o.workers ?? Math.min(availableParallelism(), Math.ceil(devices / DEVICES_PER_WORKER)), devices);
  if (o.onAck !== undefined && workers > 1) throw usageError('onAck runs in the calling thread: use workers: 1');
  return {
    devices,
    intervalMs: o.intervalMs ?? 1000 / (o.rate ?? DEFAULT_FLEET_OPTIONS.rate),
    qos,
    rampPerSecond: o.rampPerSecond ?? DEFAULT_FLEET_OPTIONS.rampPerSecond,
    durationS: o.durationS,
    count: o.count,
    brokerUrl,
    username: o.username,
    password: o.password,
    tls: { ...o.tls },
    idPrefix,
    profile,
    anomalyRate,
    anomalyKinds: [...(o.anomalyKinds ?? ANOMALY_KINDS)],
    badPayloadRate,
    badPayloadKinds: [...(o.badPayloadKinds ?? BAD_PAYLOAD_KINDS)],
    oversizeBytes: o.oversizeBytes ?? DEFAULT_FLEET_OPTIONS.oversizeBytes,
    seed: o.seed ?? Math.floor(Math.random() * 2 ** 31), // only the default seed is random, and it is reported
    sourceIps: [...(o.sourceIps ?? [])],
    workers,
    inflight: o.inflight ?? DEFAULT_FLEET_OPTIONS.inflight,
    maxQueue: o.maxQueue ?? DEFAULT_FLEET_OPTIONS.maxQueue,
    keepaliveS: o.keepaliveS ?? DEFAULT_FLEET_OPTIONS.keepaliveS,
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_FLEET_OPTIONS.connectTimeoutMs,
    reconnectBaseMs,
    reconnectMaxMs,
    drainTimeoutMs: o.drainTimeoutMs ?? DEFAULT_FLEET_OPTIONS.drainTimeoutMs,
    statsIntervalMs: o.statsIntervalMs ?? DEFAULT_FLEET_OPTIONS.statsIntervalMs,
  };
}

/** The catalog an options object names (loaded from disk when given as a path or left to the default). */
export function catalogOf(o: FleetOptions): Catalog {
  return typeof o.catalog === 'object' ? o.catalog : loadCatalog(o.catalog);
}
