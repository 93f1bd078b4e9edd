/**
 * Command-line flags → `FleetOptions`. One table drives both the parser and `--help`, so the help cannot list a
 * flag the parser does not know, nor show a default the library does not use.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ANOMALY_KINDS, type AnomalyKind } from './anomalies.js';
import { BAD_PAYLOAD_KINDS, type BadPayloadKind } from './bad-payloads.js';
import { defaultCatalogPath } from './catalog.js';
import { SimError, usageError } from './errors.js';
import { DEFAULT_FLEET_OPTIONS as D, DEVICES_PER_WORKER, type FleetOptions } from './options.js';
import { parseSourceIps } from './plan.js';

interface Flag {
  name: string;
  /** Placeholder of the value; absent for a boolean flag. */
  value?: string;
  help: string;
  default?: string;
}

const FLAGS: readonly Flag[] = [
  { name: 'devices', value: 'N', help: 'simulated devices', default: String(D.devices) },
  { name: 'rate', value: 'R', help: 'readings per second per device (exclusive with --interval)', default: String(D.rate) },
  { name: 'interval', value: 'MS', help: 'milliseconds between a device\'s readings', default: '1000 / rate' },
  { name: 'qos', value: '0|1', help: 'QoS of every publish', default: String(D.qos) },
  { name: 'ramp', value: 'C',
    help: 'new connections per second while starting (slots jittered)', default: String(D.rampPerSecond) },
  { name: 'duration', value: 'S',
    help: 'seconds each device emits readings, from its power-on (its ramp slot; it buffers until connected)', default: 'until Ctrl-C' },
  { name: 'count', value: 'N',
    help: 'ticks (readings + bad payloads + dropouts) per device; with --duration, whichever ends first', default: 'unlimited' },
  { name: 'broker', value: 'URL', help: 'mqtt://, mqtts://, ws:// or wss:// URL of the gateway', default: D.brokerUrl },
  { name: 'username', value: 'NAME', help: 'username of every device', default: 'none' },
  { name: 'password', value: 'SECRET', help: 'password of every device (or the fallback for --secrets-file)', default: 'none' },
  { name: 'secrets-file', value: 'PATH',
    help: 'JSON {"deviceId": "secret"}: username = device id, password = its secret', default: 'none' },
  { name: 'cert', value: 'PATH', help: 'client certificate (PEM) for mTLS', default: 'none' },
  { name: 'key', value: 'PATH', help: 'client private key (PEM) for mTLS', default: 'none' },
  { name: 'ca', value: 'PATH', help: 'CA bundle (PEM) that signed the broker\'s certificate', default: 'system CAs' },
  { name: 'id-prefix', value: 'P', help: 'device ids are P + type + "-" + 5-digit index', default: D.idPrefix },
  { name: 'profile', value: 'T,T',
    help: 'device types to simulate, spread round-robin', default: 'every catalog type without "drop"' },
  { name: 'catalog', value: 'PATH', help: 'device catalog', default: 'transforms/catalog.json' },
  { name: 'anomaly-rate', value: 'P',
    help: 'probability per reading that an anomaly (spike, stuck, dropout, clock-skew) starts', default: String(D.anomalyRate) },
  { name: 'anomaly-kinds', value: 'K,K', help: `anomalies to draw from: ${ANOMALY_KINDS.join(', ')}`, default: 'all' },
  { name: 'bad-payload-rate', value: 'P',
    help: 'probability per tick that a bad payload replaces the reading', default: String(D.badPayloadRate) },
  { name: 'bad-payload-kinds', value: 'K,K', help: `bad payloads to draw from: ${BAD_PAYLOAD_KINDS.join(', ')}`, default: 'all' },
  { name: 'oversize-bytes', value: 'B', help: 'size of an oversize payload', default: String(D.oversizeBytes) },
  { name: 'seed', value: 'S',
    help: 'seed of every random stream (same seed, same readings)', default: 'random, printed in the summary' },
  { name: 'source-ips', value: 'A-B,C',
    help: 'local addresses to connect from, round-robin (e.g. 127.0.0.2-127.0.0.9)', default: 'chosen by the OS' },
  { name: 'workers', value: 'K',
    help: 'worker threads (1 = run in the main thread)', default: `1 per ${DEVICES_PER_WORKER} devices, at most the cores` },
  { name: 'inflight', value: 'N', help: 'unacknowledged QoS 1 publishes per device', default: String(D.inflight) },
  { name: 'max-queue', value: 'N',
    help: 'messages a device buffers while offline or throttled (oldest dropped)', default: String(D.maxQueue) },
  { name: 'keepalive', value: 'S', help: 'MQTT keep-alive, seconds', default: String(D.keepaliveS) },
  { name: 'connect-timeout', value: 'MS', help: 'connect → CONNACK deadline', default: String(D.connectTimeoutMs) },
  { name: 'reconnect-base', value: 'MS',
    help: 'first reconnect delay; doubles per failure, jittered to [1/2, 1] of it', default: String(D.reconnectBaseMs) },
  { name: 'reconnect-max', value: 'MS', help: 'longest reconnect delay', default: String(D.reconnectMaxMs) },
  { name: 'drain-timeout', value: 'MS',
    help: 'how long to wait for outstanding PUBACKs at the end', default: String(D.drainTimeoutMs) },
  { name: 'json', help: 'print the summary as JSON on the last line of stdout (the table goes to stderr)' },
  { name: 'list-ids', help: 'print the ids of the devices these options simulate, one per line, and exit (no connection)' },
  { name: 'help', help: 'print this help' },
];

export function helpText(): string {
  const rows = FLAGS.map((f) => [`--${f.name}${f.value !== undefined ? ` ${f.value}` : ''}`, f.help + (f.default !== undefined ? ` [${f.default}]` : '')]);
  const width = Math.max(...rows.map(([l]) => l!.length)) + 2;
  return [
    'device-sim: a fleet of realistic MQTT devices publishing to devices/{id}/telemetry',
    '',
    'usage: npm run sim -- [options]        (or: node dist/device-sim/cli.js [options])',
    '',
    ...rows.map(([l, r]) => `  ${l!.padEnd(width)}${r}`),
    '',
    `catalog default: ${defaultCatalogPath()}`,
    'exit status: 0 done, 1 no device could connect, 2 bad options',
  ].join('\n');
}

export type ParsedCli = { kind: 'help' } | { kind: 'run'; fleet: FleetOptions; json: boolean } | { kind: 'list-ids'; fleet: FleetOptions };

export function parseCli(argv: readonly string[]): ParsedCli {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(FLAGS.map((f) => [f.name, { type: f.value !== undefined ? ('string' as const) : ('boolean' as const) }])),
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
  } catch (err) {
    throw usageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help'] === true) return { kind: 'help' };
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const num = (name: string, integer = false): number | undefined => {
    const v = str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw usageError(`--${name} ${v}: expected a positive ${integer ? 'integer' : 'number'}`);
    }
    return n;
  };
  const rate = (name: string): number | undefined => {
    const v = str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0 && n <= 1)) throw usageError(`--${name} ${v}: expected a number from 0 to 1`);
    return n;
  };
  const list = (name: string): string[] | undefined => str(name)?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const file = (name: string): Buffer | undefined => {
    const path = str(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new SimError('SIM_ERR_CREDENTIALS', `--${name} ${path}: cannot read it`, { cause });
    }
  };

  if (str('rate') !== undefined && str('interval') !== undefined) throw usageError('--rate and --interval are exclusive');
  const qos = str('qos');
  if (qos !== undefined && qos !== '0' && qos !== '1') throw usageError(`--qos ${qos}: expected 0 or 1`);
  const fleet: FleetOptions = {};
  const set = <K extends keyof FleetOptions>(key: K, v: FleetOptions[K] | undefined): void => {
    if (v !== undefined) fleet[key] = v;
  };
  set('devices', num('devices', true));
  set('rate', num('rate'));
  set('intervalMs', num('interval'));
  set('qos', qos === undefined ? undefined : qos === '1' ? 1 : 0);
  set('rampPerSecond', num('ramp'));
  set('durationS', num('duration'));
  set('count', num('count', true));
  set('brokerUrl', str('broker'));
  set('username', str('username'));
  set('password', str('password'));
  set('secrets', readSecrets(str('secrets-file')));
  const tls = { cert: file('cert'), key: file('key'), ca: file('ca') };
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw usageError('--cert and --key go together');
  set('tls', Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)));
  set('idPrefix', str('id-prefix'));
  set('profile', list('profile'));
  set('catalog', str('catalog'));
  set('anomalyRate', rate('anomaly-rate'));
  set('anomalyKinds', list('anomaly-kinds') as AnomalyKind[] | undefined);
  set('badPayloadRate', rate('bad-payload-rate'));
  set('badPayloadKinds', list('bad-payload-kinds') as BadPayloadKind[] | undefined);
  set('oversizeBytes', num('oversize-bytes', true));
  set('seed', str('seed'));
  const ips = str('source-ips');
  set('sourceIps', ips === undefined ? undefined : parseSourceIps(ips));
  set('workers', num('workers', true));
  set('inflight', num('inflight', true));
  set('maxQueue', num('max-queue', true));
  set('keepaliveS', num('keepalive'));
  set('connectTimeoutMs', num('connect-timeout'));
  set('reconnectBaseMs', num('reconnect-base'));
  set('reconnectMaxMs', num('reconnect-max'));
  set('drainTimeoutMs', num('drain-timeout'));
  if (values['list-ids'] === true) return { kind: 'list-ids', fleet };
  return { kind: 'run', fleet, json: values['json'] === true };
}

function readSecrets(path: string | undefined): Record<string, string> | undefined {
  if (path === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SimError('SIM_ERR_CREDENTIALS', `--secrets-file ${path}: cannot read it as JSON`, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.values(json).every((v) => typeof v === 'string')) {
    throw new SimError('SIM_ERR_CREDENTIALS', `--secrets-file ${path}: expected {"deviceId": "secret", ...}`);
  }
  return json as Record<string, string>;
}
