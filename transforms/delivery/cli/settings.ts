/**
 * Settings of the standalone delivery runner (`node dist/transforms/delivery/main.js`), declared once on the settings
 * engine, named like the gateway's settings (same flags, same environment variables), so one environment configures
 * both processes. Precedence: flag > environment > default.
 */
import { defineSettings, isSettingsError, parseSettings, renderHelp, setting, type SettingsValues } from '../../../common/settings/index.js';
import { DeliveryError } from '../errors.js';

export const DELIVERY_SETTINGS = defineSettings({
  stream: setting.string({
    flag: 'stream', env: 'TIDEGATE_STREAM', default: 'telemetry', placeholder: 'name|ARN',
    pattern: /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/,
    hint: 'a stream name or ARN',
    help: 'Source Kinesis stream, by name or ARN.',
  }),
  bucket: setting.string({
    flag: 'bucket', env: 'TIDEGATE_BUCKET', default: 'telemetry-archive', placeholder: 'name',
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, hint: 'an S3 bucket name',
    help: 'Destination bucket.',
  }),
  createBucket: setting.oneOf(['on', 'off'], {
    flag: 'create-bucket', env: 'TIDEGATE_CREATE_BUCKET', default: 'off',
    help: 'Create the bucket when it is missing (local S3 servers; on AWS the bucket belongs to the stack).',
  }),
  kinesisEndpoint: setting.url({
    flag: 'kinesis-endpoint', env: ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL'], help: "Kinesis API endpoint; unset means AWS's own.",
  }),
  s3Endpoint: setting.url({
    flag: 's3-endpoint', env: 'AWS_ENDPOINT_URL_S3', help: "S3 endpoint (path-style addressing when set); unset means AWS's own.",
  }),
  region: setting.string({
    flag: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], placeholder: 'region',
    pattern: /^[a-z0-9-]{2,32}$/, hint: 'an AWS region such as eu-west-1',
    help: 'AWS region; unset means the SDK default chain.',
  }),
  dataDir: setting.string({
    flag: 'data-dir', env: 'TIDEGATE_DATA_DIR', default: './data', placeholder: 'path',
    help: 'Directory of the shard checkpoints (<data-dir>/delivery/).',
  }),
  catalog: setting.string({
    flag: 'catalog', env: 'TIDEGATE_CATALOG', placeholder: 'path', defaultText: 'the bundled transforms/catalog.json',
    help: 'Device catalog for the transform; the bundled transforms/catalog.json when unset.',
  }),
  bufferIntervalS: setting.integer({
    flag: 'delivery-buffer-interval-s', env: 'TIDEGATE_DELIVERY_BUFFER_INTERVAL_S', default: 10, min: 0, max: 900, unit: 's',
    help: "S3 buffering interval hint (Firehose's IntervalInSeconds).",
  }),
  bufferSizeMb: setting.integer({
    flag: 'delivery-buffer-size-mb', env: 'TIDEGATE_DELIVERY_BUFFER_SIZE_MB', default: 5, min: 1, max: 128, unit: 'MiB',
    help: "S3 buffering size hint (Firehose's SizeInMBs).",
  }),
  streamWaitS: setting.integer({
    flag: 'stream-wait-s', env: 'TIDEGATE_STREAM_WAIT_S', default: 120, min: 0, max: 3600, unit: 's',
    help: 'How long to wait at start for the stream (and bucket) to exist and be ACTIVE.',
  }),
  httpHost: setting.host({
    flag: 'http-host', env: 'TIDEGATE_HTTP_HOST', default: '127.0.0.1', help: 'Address of the HTTP server (/metrics, /healthz, /readyz).',
  }),
  httpPort: setting.integer({
    flag: 'http-port', env: 'TIDEGATE_HTTP_PORT', default: 8080, min: 0, max: 65535, help: 'HTTP port (0 picks a free one).',
  }),
  logLevel: setting.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    flag: 'log-level', env: 'TIDEGATE_LOG_LEVEL', default: 'info', help: 'pino log level.',
  }),
  shutdownTimeoutMs: setting.integer({
    flag: 'shutdown-timeout-ms', env: 'TIDEGATE_SHUTDOWN_TIMEOUT_MS', default: 30_000, min: 0, max: 600_000, unit: 'ms',
    help: 'How long SIGTERM keeps writing the last objects; what is left is re-read at the next start.',
  }),
});

export type DeliveryCliConfig = SettingsValues<typeof DELIVERY_SETTINGS>;

export type DeliveryCliParse = { kind: 'help'; text: string } | { kind: 'config'; config: DeliveryCliConfig };

/** Parses argv (without node and the script) and the environment. Throws `TG_ERR_DELIVERY_CONFIG` naming the setting. */
export function parseDeliveryCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DeliveryCliParse {
  let parsed;
  try {
    parsed = parseSettings(DELIVERY_SETTINGS, argv, env);
  } catch (err) {
    // The one place where the engine's errors become the runner's.
    if (isSettingsError(err)) {
      throw new DeliveryError('TG_ERR_DELIVERY_CONFIG', err.message, { detail: { setting: err.setting, source: err.source } });
    }
    throw err;
  }
  return parsed.kind === 'help' ? { kind: 'help', text: deliveryHelp() } : { kind: 'config', config: parsed.values };
}

export function deliveryHelp(): string {
  return renderHelp(DELIVERY_SETTINGS, {
    title: 'tidegate-delivery: the delivery runner (Kinesis stream → transform → S3, Firehose semantics) as a process of its own',
    usage: 'node dist/transforms/delivery/main.js [options]      (npm run delivery -- [options])',
    intro: [
      'Every option can also be set by the environment variable shown; a flag wins over the environment, which wins over the default.',
      'Credentials: the AWS SDK default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, roles).',
    ],
    footer: ['Exit codes: 0 stopped cleanly, 1 failure, 2 bad configuration.'],
  });
}
