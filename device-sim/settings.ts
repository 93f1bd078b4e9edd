/**
 * The simulator's settings, declared once on the settings engine: the CLI parses its flags and environment with
 * them, `--help` and the README tables come from them, and `resolveFleetOptions` checks a library caller's options
 * against the same rules. Keys are `FleetOptions` names where the setting is a fleet option. Precedence: flag >
 * environment (`TIDEGATE_SIM_*`) > default.
 */
import { defineSettings, section, setting } from '../common/settings/index.js';
import { ANOMALY_KINDS } from './anomalies.js';
import { BAD_PAYLOAD_KINDS } from './bad-payloads.js';
import { DEFAULT_FLEET_OPTIONS as D, DEVICES_PER_WORKER } from './defaults.js';

const POSITIVE = { above: 0 } as const;

const FLEET = section('Fleet', {
  devices: setting.integer({ flag: 'devices', env: 'TIDEGATE_SIM_DEVICES', default: D.devices, min: 1, help: 'Simulated devices.' }),
  rate: setting.number({
    flag: 'rate', env: 'TIDEGATE_SIM_RATE', default: D.rate, ...POSITIVE, help: 'Readings per second per device (exclusive with --interval).',
  }),
  intervalMs: setting.number({
    flag: 'interval', env: 'TIDEGATE_SIM_INTERVAL', ...POSITIVE, unit: 'ms', defaultText: '1000 / rate',
    help: "Milliseconds between a device's readings.",
  }),
  qos: setting.integer({ flag: 'qos', env: 'TIDEGATE_SIM_QOS', default: D.qos, min: 0, max: 1, help: 'QoS of every publish.' }),
  rampPerSecond: setting.number({
    flag: 'ramp', env: 'TIDEGATE_SIM_RAMP', default: D.rampPerSecond, ...POSITIVE,
    help: 'New connections per second while starting (slots jittered).',
  }),
  durationS: setting.number({
    flag: 'duration', env: 'TIDEGATE_SIM_DURATION', ...POSITIVE, unit: 's', defaultText: 'until Ctrl-C',
    help: 'Seconds each device emits readings, from its power-on (its ramp slot; it buffers until connected).',
  }),
  count: setting.integer({
    flag: 'count', env: 'TIDEGATE_SIM_COUNT', min: 1, defaultText: 'unlimited',
    help: 'Ticks (readings + bad payloads + dropouts) per device; with --duration, whichever ends first.',
  }),
  idPrefix: setting.string({
    flag: 'id-prefix', env: 'TIDEGATE_SIM_ID_PREFIX', default: D.idPrefix, placeholder: 'prefix',
    help: 'Device ids are the prefix + type + "-" + 5-digit index.',
  }),
  profile: setting.list({
    flag: 'profile', env: 'TIDEGATE_SIM_PROFILE', placeholder: 'type,type', hint: 'catalog device types',
    defaultText: 'every catalog type without "drop"', help: 'Device types to simulate, spread round-robin.',
  }),
  catalog: setting.string({
    flag: 'catalog', env: 'TIDEGATE_SIM_CATALOG', placeholder: 'path', defaultText: 'transforms/catalog.json of this repository',
    help: 'Device catalog.',
  }),
  seed: setting.string({
    flag: 'seed', env: 'TIDEGATE_SIM_SEED', defaultText: 'random, printed in the summary',
    help: 'Seed of every random stream (same seed, same readings).',
  }),
  workers: setting.integer({
    flag: 'workers', env: 'TIDEGATE_SIM_WORKERS', min: 1, defaultText: `1 per ${DEVICES_PER_WORKER} devices, at most the cores`,
    help: 'Worker threads (1 = run in the main thread).',
  }),
});

const CONNECTION = section('Connection', {
  brokerUrl: setting.url({
    flag: 'broker', env: 'TIDEGATE_SIM_BROKER', default: D.brokerUrl, protocols: ['mqtt', 'mqtts', 'ws', 'wss'],
    help: 'URL of the gateway.',
  }),
  sourceIps: setting.string({
    flag: 'source-ips', env: 'TIDEGATE_SIM_SOURCE_IPS', placeholder: 'A-B,C', defaultText: 'chosen by the OS',
    help: 'Local addresses to connect from, round-robin (e.g. 127.0.0.2-127.0.0.9).',
  }),
  inflight: setting.integer({
    flag: 'inflight', env: 'TIDEGATE_SIM_INFLIGHT', default: D.inflight, min: 1, help: 'Unacknowledged QoS 1 publishes per device.',
  }),
  maxQueue: setting.integer({
    flag: 'max-queue', env: 'TIDEGATE_SIM_MAX_QUEUE', default: D.maxQueue, min: 1,
    help: 'Messages a device buffers while offline or throttled (oldest dropped).',
  }),
  keepaliveS: setting.number({
    flag: 'keepalive', env: 'TIDEGATE_SIM_KEEPALIVE', default: D.keepaliveS, ...POSITIVE, unit: 's', help: 'MQTT keep-alive.',
  }),
  connectTimeoutMs: setting.number({
    flag: 'connect-timeout', env: 'TIDEGATE_SIM_CONNECT_TIMEOUT', default: D.connectTimeoutMs, ...POSITIVE, unit: 'ms',
    help: 'Connect → CONNACK deadline.',
  }),
  reconnectBaseMs: setting.number({
    flag: 'reconnect-base', env: 'TIDEGATE_SIM_RECONNECT_BASE', default: D.reconnectBaseMs, ...POSITIVE, unit: 'ms',
    help: 'First reconnect delay; doubles per failure, jittered to [1/2, 1] of it.',
  }),
  reconnectMaxMs: setting.number({
    flag: 'reconnect-max', env: 'TIDEGATE_SIM_RECONNECT_MAX', ...POSITIVE, unit: 'ms',
    defaultText: `${D.reconnectMaxMs}, or --reconnect-base if larger`, help: 'Longest reconnect delay.',
  }),
  drainTimeoutMs: setting.number({
    flag: 'drain-timeout', env: 'TIDEGATE_SIM_DRAIN_TIMEOUT', default: D.drainTimeoutMs, ...POSITIVE, unit: 'ms',
    help: 'How long to wait for outstanding PUBACKs at the end.',
  }),
});

const AUTHENTICATION = section('Authentication', {
  username: setting.string({ flag: 'username', env: 'TIDEGATE_SIM_USERNAME', placeholder: 'name', defaultText: 'none', help: 'Username of every device.' }),
  password: setting.string({
    flag: 'password', env: 'TIDEGATE_SIM_PASSWORD', placeholder: 'secret', defaultText: 'none',
    help: 'Password of every device (or the fallback for --secrets-file).',
  }),
  secretsFile: setting.string({
    flag: 'secrets-file', env: 'TIDEGATE_SIM_SECRETS_FILE', placeholder: 'path', defaultText: 'none',
    help: 'JSON {"deviceId": "secret"}: username = device id, password = its secret.',
  }),
  cert: setting.string({ flag: 'cert', env: 'TIDEGATE_SIM_CERT', placeholder: 'path', defaultText: 'none', help: 'Client certificate (PEM) for mTLS.' }),
  key: setting.string({ flag: 'key', env: 'TIDEGATE_SIM_KEY', placeholder: 'path', defaultText: 'none', help: 'Client private key (PEM) for mTLS.' }),
  ca: setting.string({
    flag: 'ca', env: 'TIDEGATE_SIM_CA', placeholder: 'path', defaultText: 'system CAs', help: "CA bundle (PEM) that signed the broker's certificate.",
  }),
});

const FAULTS = section('Anomalies and bad payloads', {
  anomalyRate: setting.number({
    flag: 'anomaly-rate', env: 'TIDEGATE_SIM_ANOMALY_RATE', default: D.anomalyRate, min: 0, max: 1,
    help: 'Probability per reading that an anomaly (spike, stuck, dropout, clock-skew) starts.',
  }),
  anomalyKinds: setting.list({
    flag: 'anomaly-kinds', env: 'TIDEGATE_SIM_ANOMALY_KINDS', values: ANOMALY_KINDS, default: ANOMALY_KINDS, help: 'Anomalies to draw from.',
  }),
  badPayloadRate: setting.number({
    flag: 'bad-payload-rate', env: 'TIDEGATE_SIM_BAD_PAYLOAD_RATE', default: D.badPayloadRate, min: 0, max: 1,
    help: 'Probability per tick that a bad payload replaces the reading.',
  }),
  badPayloadKinds: setting.list({
    flag: 'bad-payload-kinds', env: 'TIDEGATE_SIM_BAD_PAYLOAD_KINDS', values: BAD_PAYLOAD_KINDS, default: BAD_PAYLOAD_KINDS,
    help: 'Bad payloads to draw from.',
  }),
  oversizeBytes: setting.integer({
    flag: 'oversize-bytes', env: 'TIDEGATE_SIM_OVERSIZE_BYTES', default: D.oversizeBytes, min: 1, unit: 'bytes',
    help: 'Size of an oversize payload.',
  }),
});

const OUTPUT = section('Output', {
  json: setting.boolean({ flag: 'json', help: 'Print the summary as JSON on the last line of stdout (the table goes to stderr).' }),
  listIds: setting.boolean({
    flag: 'list-ids', help: 'Print the ids of the devices these options simulate, one per line, and exit (no connection).',
  }),
});

export const SIM_SETTINGS = defineSettings({ ...FLEET, ...CONNECTION, ...AUTHENTICATION, ...FAULTS, ...OUTPUT });

/** The fleet options a library caller's values are checked for, with the rules of the same-named settings. */
export const CHECKED_FLEET_OPTIONS = [
  'devices', 'rate', 'intervalMs', 'qos', 'rampPerSecond', 'durationS', 'count', 'workers', 'brokerUrl', 'inflight', 'maxQueue',
  'keepaliveS', 'connectTimeoutMs', 'reconnectBaseMs', 'reconnectMaxMs', 'drainTimeoutMs', 'anomalyRate', 'anomalyKinds',
  'badPayloadRate', 'badPayloadKinds', 'oversizeBytes',
] as const satisfies readonly (keyof typeof SIM_SETTINGS)[];
