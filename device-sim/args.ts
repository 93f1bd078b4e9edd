/**
 * Command line and environment → `FleetOptions`, through the settings engine and the declarations of
 * `settings.ts`, so the help cannot list a flag the parser does not know, nor show a default the library does
 * not use. Only settings that were given become options: the library applies its own defaults.
 */
import { readFileSync } from 'node:fs';
import { isSettingsError, parseSettings, renderHelp, type SettingsValues } from '../common/settings/index.js';
import { defaultCatalogPath } from './catalog.js';
import { SimError, usageError } from './errors.js';
import type { FleetOptions } from './options.js';
import { parseSourceIps } from './plan.js';
import { SIM_SETTINGS } from './settings.js';

type SimValues = SettingsValues<typeof SIM_SETTINGS>;

export function helpText(): string {
  return renderHelp(SIM_SETTINGS, {
    title: 'device-sim: a fleet of realistic MQTT devices publishing to devices/{id}/telemetry',
    usage: 'npm run sim -- [options]        (or: node dist/device-sim/cli.js [options])',
    intro: ['Every option can also be set by the environment variable shown; a flag wins over the environment, which wins over the default.'],
    footer: [`catalog default: ${defaultCatalogPath()}`, 'exit status: 0 done, 1 no device could connect, 2 bad options'],
  });
}

export type ParsedCli = { kind: 'help' } | { kind: 'run'; fleet: FleetOptions; json: boolean } | { kind: 'list-ids'; fleet: FleetOptions };

export function parseCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedCli {
  let parsed;
  try {
    parsed = parseSettings(SIM_SETTINGS, argv, env);
  } catch (err) {
    // The one place where the engine's errors become the simulator's.
    if (isSettingsError(err)) throw usageError(err.message);
    throw err;
  }
  if (parsed.kind === 'help') return { kind: 'help' };
  const { values, sources } = parsed;
  const given = <K extends keyof SimValues>(key: K): SimValues[K] | undefined => (sources[key] === undefined ? undefined : values[key]);
  const file = (key: 'cert' | 'key' | 'ca'): Buffer | undefined => {
    const path = values[key];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new SimError('SIM_ERR_CREDENTIALS', `${sources[key] ?? `--${key}`} ${path}: cannot read it`, { cause });
    }
  };

  if (sources.rate !== undefined && sources.intervalMs !== undefined) throw usageError('--rate and --interval are exclusive');
  if ((values.cert === undefined) !== (values.key === undefined)) throw usageError('--cert and --key go together');
  const fleet: FleetOptions = {};
  const set = <K extends keyof FleetOptions>(key: K, v: FleetOptions[K] | undefined): void => {
    if (v !== undefined) fleet[key] = v;
  };
  set('devices', given('devices'));
  set('rate', given('rate'));
  set('intervalMs', given('intervalMs'));
  const qos = given('qos');
  set('qos', qos === undefined ? undefined : qos === 1 ? 1 : 0);
  set('rampPerSecond', given('rampPerSecond'));
  set('durationS', given('durationS'));
  set('count', given('count'));
  set('brokerUrl', given('brokerUrl'));
  set('username', given('username'));
  set('password', given('password'));
  set('secrets', readSecrets(values.secretsFile, sources.secretsFile));
  const tls = { cert: file('cert'), key: file('key'), ca: file('ca') };
  set('tls', Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)));
  set('idPrefix', given('idPrefix'));
  set('profile', given('profile'));
  set('catalog', given('catalog'));
  set('anomalyRate', given('anomalyRate'));
  set('anomalyKinds', given('anomalyKinds'));
  set('badPayloadRate', given('badPayloadRate'));
  set('badPayloadKinds', given('badPayloadKinds'));
  set('oversizeBytes', given('oversizeBytes'));
  set('seed', given('seed'));
  const ips = values.sourceIps;
  set('sourceIps', ips === undefined ? undefined : parseSourceIps(ips));
  set('workers', given('workers'));
  set('inflight', given('inflight'));
  set('maxQueue', given('maxQueue'));
  set('keepaliveS', given('keepaliveS'));
  set('connectTimeoutMs', given('connectTimeoutMs'));
  set('reconnectBaseMs', given('reconnectBaseMs'));
  set('reconnectMaxMs', given('reconnectMaxMs'));
  set('drainTimeoutMs', given('drainTimeoutMs'));
  if (values.listIds) return { kind: 'list-ids', fleet };
  return { kind: 'run', fleet, json: values.json };
}

function readSecrets(path: string | undefined, source: string | undefined): Record<string, string> | undefined {
  if (path === undefined) return undefined;
  const where = source ?? '--secrets-file';
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SimError('SIM_ERR_CREDENTIALS', `${where} ${path}: cannot read it as JSON`, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.values(json).every((v) => typeof v === 'string')) {
    throw new SimError('SIM_ERR_CREDENTIALS', `${where} ${path}: expected {"deviceId": "secret", ...}`);
  }
  return json as Record<string, string>;
}
