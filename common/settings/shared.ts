/**
 * Settings that the gateway and the standalone delivery runner both take, declared once: the same flag, environment
 * variables, default and validation in both processes, so one environment configures both (the compose file and
 * the image rely on that). Each CLI writes its own help text, since what the setting does differs between them.
 */
import { host, integer, oneOf, string, url } from './define.js';

const setting = { host, integer, oneOf, string, url } as const;

/** A Kinesis stream name (1–128 of [a-zA-Z0-9_.-]) or a stream ARN. */
const STREAM_PATTERN = /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/;
/** S3 bucket naming rules: 3–63 of [a-z0-9.-], starting and ending with a letter or digit. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PORT = { min: 0, max: 65535 } as const;

export const sharedSetting = {
  stream: (help: string) =>
    setting.string({
      flag: 'stream', env: 'TIDEGATE_STREAM', default: 'telemetry', placeholder: 'name|ARN', pattern: STREAM_PATTERN,
      hint: 'a stream name (1-128 characters of [a-zA-Z0-9_.-]) or a stream ARN', help,
    }),
  bucket: (help: string) =>
    setting.string({
      flag: 'bucket', env: 'TIDEGATE_BUCKET', default: 'telemetry-archive', placeholder: 'name', pattern: BUCKET_PATTERN,
      hint: 'an S3 bucket name', help,
    }),
  kinesisEndpoint: (help: string) => setting.url({ flag: 'kinesis-endpoint', env: ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL'], help }),
  s3Endpoint: (help: string) => setting.url({ flag: 's3-endpoint', env: 'AWS_ENDPOINT_URL_S3', help }),
  region: (help: string) =>
    setting.string({
      flag: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], placeholder: 'region', pattern: /^[a-z0-9-]{2,32}$/,
      hint: 'an AWS region such as eu-west-1', help,
    }),
  dataDir: (help: string) => setting.string({ flag: 'data-dir', env: 'TIDEGATE_DATA_DIR', default: './data', placeholder: 'path', help }),
  catalog: (help: string) =>
    setting.string({ flag: 'catalog', env: 'TIDEGATE_CATALOG', placeholder: 'path', defaultText: 'the bundled transforms/catalog.json', help }),
  deliveryBufferIntervalS: (help: string) =>
    setting.integer({
      flag: 'delivery-buffer-interval-s', env: 'TIDEGATE_DELIVERY_BUFFER_INTERVAL_S', default: 10, min: 0, max: 900, unit: 's', help,
    }),
  deliveryBufferSizeMb: (help: string) =>
    setting.integer({ flag: 'delivery-buffer-size-mb', env: 'TIDEGATE_DELIVERY_BUFFER_SIZE_MB', default: 5, min: 1, max: 128, unit: 'MiB', help }),
  httpHost: (help: string) => setting.host({ flag: 'http-host', env: 'TIDEGATE_HTTP_HOST', default: '127.0.0.1', help }),
  httpPort: (help: string) => setting.integer({ flag: 'http-port', env: 'TIDEGATE_HTTP_PORT', default: 8080, ...PORT, help }),
  logLevel: (help: string) =>
    setting.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { flag: 'log-level', env: 'TIDEGATE_LOG_LEVEL', default: 'info', help }),
  shutdownTimeoutMs: (help: string) =>
    setting.integer({ flag: 'shutdown-timeout-ms', env: 'TIDEGATE_SHUTDOWN_TIMEOUT_MS', default: 30_000, min: 0, max: 600_000, unit: 'ms', help }),
};
