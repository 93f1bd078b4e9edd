/**
 * Settings of the standalone delivery runner (`node dist/transforms/delivery/main.js`), declared once on the settings
 * engine, named like the gateway's settings (same flags, same environment variables), so one environment configures
 * both processes. Precedence: flag > environment > default.
 */
import { defineSettings, isSettingsError, parseSettings, renderHelp, setting, type SettingsValues } from '../../../common/settings/index.js';
import { sharedSetting } from '../../../common/settings/shared.js';
import { DeliveryError } from '../errors.js';

export const DELIVERY_SETTINGS = defineSettings({
  stream: sharedSetting.stream('Source Kinesis stream, by name or ARN.'),
  bucket: sharedSetting.bucket('Destination bucket.'),
  createBucket: setting.oneOf(['on', 'off'], {
    flag: 'create-bucket', env: 'TIDEGATE_CREATE_BUCKET', default: 'off',
    help: 'Create the bucket when it is missing (local S3 servers; on AWS the bucket belongs to the stack).',
  }),
  kinesisEndpoint: sharedSetting.kinesisEndpoint("Kinesis API endpoint; unset means AWS's own."),
  s3Endpoint: sharedSetting.s3Endpoint("S3 endpoint (path-style addressing when set); unset means AWS's own."),
  region: sharedSetting.region('AWS region; unset means the SDK default chain.'),
  dataDir: sharedSetting.dataDir('Directory of the shard checkpoints (<data-dir>/delivery/).'),
  catalog: sharedSetting.catalog('Device catalog for the transform; the bundled transforms/catalog.json when unset.'),
  bufferIntervalS: sharedSetting.deliveryBufferIntervalS("S3 buffering interval hint (Firehose's IntervalInSeconds)."),
  bufferSizeMb: sharedSetting.deliveryBufferSizeMb("S3 buffering size hint (Firehose's SizeInMBs)."),
  streamWaitS: setting.integer({
    flag: 'stream-wait-s', env: 'TIDEGATE_STREAM_WAIT_S', default: 120, min: 0, max: 3600, unit: 's',
    help: 'How long to wait at start for the stream (and bucket) to exist and be ACTIVE.',
  }),
  httpHost: sharedSetting.httpHost('Address of the HTTP server (/metrics, /healthz, /readyz).'),
  httpPort: sharedSetting.httpPort('HTTP port (0 picks a free one).'),
  logLevel: sharedSetting.logLevel('pino log level.'),
  shutdownTimeoutMs: sharedSetting.shutdownTimeoutMs(
    'How long SIGTERM keeps writing the last objects; what is left is re-read at the next start.',
  ),
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
