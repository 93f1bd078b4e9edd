/**
 * Settings of the standalone delivery runner (`node dist/transforms/delivery/main.js`): one table from which the
 * parser, validation messages and `--help` are derived, named like the gateway's settings (same flags, same
 * environment variables), so one environment configures both processes. Precedence: flag > environment > default.
 */
import { DeliveryError } from '../errors.js';

type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'string'; pattern?: RegExp; hint?: string }
  | { type: 'url' };

interface Spec {
  flag: string;
  env: readonly string[];
  kind: Kind;
  default: string | undefined;
  describe: string;
}

const PORT = { type: 'int', min: 0, max: 65535 } as const;

export const DELIVERY_SETTINGS = {
  stream: {
    flag: 'stream', env: ['TIDEGATE_STREAM'], default: 'telemetry',
    kind: {
      type: 'string',
      pattern: /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/,
      hint: 'a stream name or ARN',
    },
    describe: 'Source Kinesis stream, by name or ARN.',
  },
  bucket: {
    flag: 'bucket', env: ['TIDEGATE_BUCKET'], default: 'telemetry-archive',
    kind: { type: 'string', pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, hint: 'an S3 bucket name' },
    describe: 'Destination bucket.',
  },
  createBucket: {
    flag: 'create-bucket', env: ['TIDEGATE_CREATE_BUCKET'], default: 'off',
    kind: { type: 'enum', values: ['on', 'off'] },
    describe: 'Create the bucket when it is missing (local S3 servers; on AWS the bucket belongs to the stack).',
  },
  kinesisEndpoint: {
    flag: 'kinesis-endpoint', env: ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL'], default: undefined,
    kind: { type: 'url' }, describe: "Kinesis API endpoint; unset means AWS's own.",
  },
  s3Endpoint: {
    flag: 's3-endpoint', env: ['AWS_ENDPOINT_URL_S3'], default: undefined,
    kind: { type: 'url' }, describe: "S3 endpoint (path-style addressing when set); unset means AWS's own.",
  },
  region: {
    flag: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], default: undefined,
    kind: { type: 'string', pattern: /^[a-z0-9-]{2,32}$/, hint: 'an AWS region such as eu-west-1' },
    describe: 'AWS region; unset means the SDK default chain.',
  },
  dataDir: {
    flag: 'data-dir', env: ['TIDEGATE_DATA_DIR'], default: './data',
    kind: { type: 'string' }, describe: 'Directory of the shard checkpoints (<data-dir>/delivery/).',
  },
  catalog: {
    flag: 'catalog', env: ['TIDEGATE_CATALOG'], default: undefined,
    kind: { type: 'string' }, describe: 'Device catalog for the transform; the bundled transforms/catalog.json when unset.',
  },
  bufferIntervalS: {
    flag: 'delivery-buffer-interval-s', env: ['TIDEGATE_DELIVERY_BUFFER_INTERVAL_S'], default: '10',
    kind: { type: 'int', min: 0, max: 900 }, describe: "S3 buffering interval hint (Firehose's IntervalInSeconds).",
  },
  bufferSizeMb: {
    flag: 'delivery-buffer-size-mb', env: ['TIDEGATE_DELIVERY_BUFFER_SIZE_MB'], default: '5',
    kind: { type: 'int', min: 1, max: 128 }, describe: "S3 buffering size hint (Firehose's SizeInMBs).",
  },
  streamWaitS: {
    flag: 'stream-wait-s', env: ['TIDEGATE_STREAM_WAIT_S'], default: '120',
    kind: { type: 'int', min: 0, max: 3600 },
    describe: 'How long to wait at start for the stream (and bucket) to exist and be ACTIVE.',
  },
  httpHost: {
    flag: 'http-host', env: ['TIDEGATE_HTTP_HOST'], default: '127.0.0.1',
    kind: { type: 'string', pattern: /^[^\s/]+$/, hint: 'a host name or IP address' },
    describe: 'Address of the HTTP server (/metrics, /healthz, /readyz).',
  },
  httpPort: {
    flag: 'http-port', env: ['TIDEGATE_HTTP_PORT'], default: '8080', kind: PORT,
    describe: 'HTTP port (0 picks a free one).',
  },
  logLevel: {
    flag: 'log-level', env: ['TIDEGATE_LOG_LEVEL'], default: 'info',
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    describe: 'pino log level.',
  },
  shutdownTimeoutMs: {
    flag: 'shutdown-timeout-ms', env: ['TIDEGATE_SHUTDOWN_TIMEOUT_MS'], default: '30000',
    kind: { type: 'int', min: 0, max: 600_000 },
    describe: 'How long SIGTERM keeps writing the last objects; what is left is re-read at the next start.',
  },
} as const satisfies Record<string, Spec>;

type Key = keyof typeof DELIVERY_SETTINGS;
type ValueOf<S extends Spec> = S['kind'] extends { type: 'int' }
  ? number
  : S['kind'] extends { type: 'enum'; values: readonly (infer V)[] }
    ? V
    : string;

export type DeliveryCliConfig = {
  -readonly [K in Key]: (typeof DELIVERY_SETTINGS)[K]['default'] extends string
    ? ValueOf<(typeof DELIVERY_SETTINGS)[K]>
    : ValueOf<(typeof DELIVERY_SETTINGS)[K]> | undefined;
};

export type DeliveryCliParse = { kind: 'help'; text: string } | { kind: 'config'; config: DeliveryCliConfig };

function configError(setting: string, message: string): DeliveryError {
  return new DeliveryError('TG_ERR_DELIVERY_CONFIG', message, { detail: { setting } });
}

function parseValue(spec: Spec, raw: string, where: string): string | number {
  const kind = spec.kind;
  switch (kind.type) {
    case 'int': {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || n < kind.min || n > kind.max) {
        throw configError(spec.flag, `${where}: "${raw}" is not accepted (accepted: ${kind.min}..${kind.max})`);
      }
      return n;
    }
    case 'enum':
      if (!kind.values.includes(raw)) throw configError(spec.flag, `${where}: "${raw}" is not accepted (accepted: ${kind.values.join(', ')})`);
      return raw;
    case 'url': {
      let url: URL | undefined;
      try {
        url = new URL(raw);
      } catch {
        url = undefined;
      }
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw configError(spec.flag, `${where}: "${raw}" is not an http(s) URL`);
      }
      return raw.replace(/\/+$/, '');
    }
    case 'string':
      if (raw === '' || (kind.pattern !== undefined && !kind.pattern.test(raw))) {
        throw configError(spec.flag, `${where}: "${raw}" is not accepted (accepted: ${kind.hint ?? 'non-empty text'})`);
      }
      return raw;
  }
}

const BY_FLAG = new Map<string, Key>((Object.keys(DELIVERY_SETTINGS) as Key[]).map((k) => [DELIVERY_SETTINGS[k].flag, k]));

/** Parses argv (without node and the script) and the environment. Throws `TG_ERR_DELIVERY_CONFIG` naming the setting. */
export function parseDeliveryCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DeliveryCliParse {
  const flags = new Map<Key, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: deliveryHelp() };
    if (!arg.startsWith('--')) throw configError(arg, `unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const key = BY_FLAG.get(name);
    if (key === undefined) throw configError(name, `unknown option --${name} (see --help)`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw configError(name, `--${name} needs a value`);
    flags.set(key, value);
  }
  const config: Record<string, string | number | undefined> = {};
  for (const key of Object.keys(DELIVERY_SETTINGS) as Key[]) {
    const spec: Spec = DELIVERY_SETTINGS[key];
    const fromFlag = flags.get(key);
    const envName = spec.env.find((name) => env[name] !== undefined && env[name] !== '');
    if (fromFlag !== undefined) config[key] = parseValue(spec, fromFlag, `--${spec.flag}`);
    else if (envName !== undefined) config[key] = parseValue(spec, env[envName] as string, envName);
    else config[key] = spec.default === undefined ? undefined : parseValue(spec, spec.default, 'default');
  }
  return { kind: 'config', config: config as DeliveryCliConfig };
}

export function deliveryHelp(): string {
  const lines = [
    'tidegate-delivery: the delivery runner (Kinesis stream → transform → S3, Firehose semantics) as a process of its own',
    '',
    'Usage: node dist/transforms/delivery/main.js [options]      (npm run delivery -- [options])',
    '',
    'Every option can also be set by the environment variable shown; a flag wins over the environment.',
    'Credentials: the AWS SDK default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, roles).',
    '',
  ];
  for (const spec of Object.values(DELIVERY_SETTINGS) as Spec[]) {
    const accepted =
      spec.kind.type === 'int' ? `${spec.kind.min}..${spec.kind.max}`
        : spec.kind.type === 'enum' ? spec.kind.values.join('|')
          : spec.kind.type === 'url' ? 'URL'
            : (spec.kind.hint ?? 'text');
    lines.push(`  --${spec.flag} <${accepted}>   [env ${spec.env.join(', ')}] (default: ${spec.default ?? 'unset'})`);
    lines.push(`      ${spec.describe}`);
  }
  lines.push('', '  -h, --help   Show this help.', '', 'Exit codes: 0 stopped cleanly, 1 failure, 2 bad configuration.');
  return lines.join('\n');
}
