import { GatewayError } from '../../../common/errors.js';
import { SETTINGS, type SettingKey, type SettingSpec } from './schema.js';

type ValueOf<S extends SettingSpec> = S['kind'] extends { type: 'int' }
  ? number
  : S['kind'] extends { type: 'enum'; values: readonly (infer V)[] }
    ? V
    : string;

/** The parsed configuration: one property per setting in {@link SETTINGS}. */
export type GatewayConfig = {
  -readonly [K in SettingKey]: (typeof SETTINGS)[K]['default'] extends string
    ? ValueOf<(typeof SETTINGS)[K]>
    : ValueOf<(typeof SETTINGS)[K]> | undefined;
};

export type LoadResult = { kind: 'help'; text: string } | { kind: 'config'; config: GatewayConfig };

const BY_FLAG = new Map<string, SettingKey>(
  (Object.keys(SETTINGS) as SettingKey[]).map((key) => [SETTINGS[key].flag, key]),
);

function configError(message: string, setting: string): GatewayError {
  return new GatewayError('GW_ERR_CONFIG', message, { detail: { setting } });
}

function describeSource(spec: SettingSpec, source: 'flag' | string): string {
  return source === 'flag' ? `--${spec.flag}` : source;
}

function parseValue(spec: SettingSpec, raw: string, source: string): string | number {
  const where = describeSource(spec, source);
  const kind = spec.kind;
  switch (kind.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw configError(`${where}: "${raw}" is not a whole number (accepted: ${kind.min}..${kind.max})`, spec.flag);
      }
      const n = Number(raw);
      if (n < kind.min || n > kind.max) {
        throw configError(`${where}: ${n} is out of range (accepted: ${kind.min}..${kind.max})`, spec.flag);
      }
      return n;
    }
    case 'enum':
      if (!kind.values.includes(raw)) {
        throw configError(`${where}: "${raw}" is not accepted (accepted: ${kind.values.join(', ')})`, spec.flag);
      }
      return raw;
    case 'url': {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw configError(`${where}: "${raw}" is not a URL (accepted: http(s)://host:port)`, spec.flag);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw configError(`${where}: "${raw}" must use http or https`, spec.flag);
      }
      return raw.replace(/\/+$/, '');
    }
    case 'host':
      if (raw.length === 0 || /[\s/]/.test(raw)) {
        throw configError(`${where}: "${raw}" is not a host name or IP address`, spec.flag);
      }
      return raw;
    case 'string':
      if (kind.pattern && !kind.pattern.test(raw)) {
        throw configError(`${where}: "${raw}" is not accepted (accepted: ${kind.patternHint ?? kind.pattern})`, spec.flag);
      }
      if (raw.length === 0) throw configError(`${where}: must not be empty`, spec.flag);
      return raw;
  }
}

/**
 * Parses argv (without the node and script entries) and the environment into a {@link GatewayConfig}.
 * Throws a `GW_ERR_CONFIG` {@link GatewayError} naming the setting and its accepted values.
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LoadResult {
  const fromFlags = new Map<SettingKey, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: renderHelp() };
    if (!arg.startsWith('--')) throw configError(`unexpected argument "${arg}" (see --help)`, arg);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const key = BY_FLAG.get(name);
    if (key === undefined) throw configError(`unknown option --${name} (see --help)`, name);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw configError(`--${name} needs a value`, name);
    fromFlags.set(key, value);
  }

  const config: Record<string, string | number | undefined> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const spec: SettingSpec = SETTINGS[key];
    const flagValue = fromFlags.get(key);
    if (flagValue !== undefined) {
      config[key] = parseValue(spec, flagValue, 'flag');
      continue;
    }
    const envName = spec.env.find((name) => env[name] !== undefined && env[name] !== '');
    if (envName !== undefined) {
      config[key] = parseValue(spec, env[envName] as string, envName);
      continue;
    }
    config[key] = spec.default === undefined ? undefined : parseValue(spec, spec.default, 'default');
  }
  return { kind: 'config', config: config as GatewayConfig };
}

const GROUP_TITLES: Record<SettingSpec['group'], string> = {
  general: 'General',
  mqtt: 'MQTT listener',
  http: 'HTTP server',
  kinesis: 'Kinesis (--sink kinesis)',
  firehose: 'Firehose Direct PUT (--sink firehose)',
  local: 'Local mode',
  bridge: 'Batching bridge',
  delivery: 'Delivery runner (Firehose semantics → S3)',
  security: 'Security (authentication, TLS, WebSocket, HTTP token)',
  limits: 'Limits',
};

function accepted(spec: SettingSpec): string {
  const kind = spec.kind;
  switch (kind.type) {
    case 'int':
      return `${kind.min}..${kind.max}`;
    case 'enum':
      return kind.values.join('|');
    case 'url':
      return 'URL';
    case 'host':
      return 'host';
    case 'string':
      return kind.patternHint ?? 'text';
  }
}

export function renderHelp(): string {
  const lines = [
    'tidegate: MQTT telemetry gateway to Amazon Kinesis Data Streams',
    '',
    'Usage: node dist/stack/main.js [options]      (npm start runs --mode local)',
    '',
    'Every option can also be set by the environment variable shown; a flag wins over the environment.',
  ];
  for (const group of Object.keys(GROUP_TITLES) as SettingSpec['group'][]) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
      if (spec.group !== group) continue;
      const def = spec.default === undefined ? 'unset' : spec.default;
      lines.push(`  --${spec.flag} <${accepted(spec)}>   [env ${spec.env.join(', ')}] (default: ${def})`);
      lines.push(`      ${spec.describe}`);
    }
  }
  lines.push('', '  -h, --help   Show this help.');
  return lines.join('\n');
}
