/**
 * The gateway's settings: one table from which the loader, the validation messages and `--help` are derived.
 * Precedence: command-line flag > environment variable > default.
 */

export type SettingKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'string'; pattern?: RegExp; patternHint?: string }
  | { type: 'url' }
  | { type: 'host' };

export interface SettingSpec {
  /** Long flag without the dashes, e.g. `mqtt-port`. */
  flag: string;
  /** Environment variable. Several may be listed; the first one set wins. */
  env: readonly string[];
  kind: SettingKind;
  /** Default as text, so `--help` can print it; `undefined` means "not set". */
  default: string | undefined;
  describe: string;
  group: 'general' | 'mqtt' | 'http' | 'kinesis' | 'bridge' | 'delivery' | 'local';
}

const PORT = { type: 'int', min: 0, max: 65535 } as const;
const MIB = 1024 * 1024;

export const SETTINGS = {
  mode: {
    flag: 'mode', env: ['TIDEGATE_MODE'], group: 'general',
    kind: { type: 'enum', values: ['local', 'cloud'] }, default: 'cloud',
    describe:
      'local: embedded Kinesis API server (unless an endpoint is given), stream created if missing, anonymous ' +
      'devices on loopback. cloud: real Kinesis via the AWS SDK default credential chain and region.',
  },
  dataDir: {
    flag: 'data-dir', env: ['TIDEGATE_DATA_DIR'], group: 'general',
    kind: { type: 'string' }, default: './data',
    describe: 'Directory for the embedded Kinesis store and the dead-letter file.',
  },
  logLevel: {
    flag: 'log-level', env: ['TIDEGATE_LOG_LEVEL'], group: 'general',
    kind: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, default: 'info',
    describe: 'pino log level.',
  },
  ack: {
    flag: 'ack', env: ['TIDEGATE_ACK'], group: 'general',
    kind: { type: 'enum', values: ['kinesis', 'spool'] }, default: 'kinesis',
    describe:
      'When a QoS 1 reading is acknowledged. kinesis: after Kinesis accepted it. spool: after it is durable in ' +
      'the local write-ahead spool, which drains to Kinesis in the background (survives Kinesis outages).',
  },
  spoolMaxBytes: {
    flag: 'spool-max-bytes', env: ['TIDEGATE_SPOOL_MAX_BYTES'], group: 'general',
    kind: { type: 'int', min: 1024 * 1024, max: Number.MAX_SAFE_INTEGER }, default: String(1024 * MIB),
    describe: 'Spool size cap; at the cap devices are slowed down (backpressure), nothing is dropped.',
  },
  spoolSegmentBytes: {
    flag: 'spool-segment-bytes', env: ['TIDEGATE_SPOOL_SEGMENT_BYTES'], group: 'general',
    kind: { type: 'int', min: 64 * 1024, max: 1024 * MIB }, default: String(64 * MIB),
    describe: 'Spool segment size; a segment is deleted once Kinesis accepted everything in it.',
  },
  shutdownTimeoutMs: {
    flag: 'shutdown-timeout-ms', env: ['TIDEGATE_SHUTDOWN_TIMEOUT_MS'], group: 'general',
    kind: { type: 'int', min: 0, max: 600_000 }, default: '30000',
    describe: 'How long SIGINT/SIGTERM waits for buffered readings to reach Kinesis before giving up (exit 1).',
  },
  mqttHost: {
    flag: 'mqtt-host', env: ['TIDEGATE_MQTT_HOST'], group: 'mqtt',
    kind: { type: 'host' }, default: '127.0.0.1', describe: 'Address the MQTT TCP listener binds.',
  },
  mqttPort: {
    flag: 'mqtt-port', env: ['TIDEGATE_MQTT_PORT'], group: 'mqtt',
    kind: PORT, default: '1883', describe: 'MQTT TCP port (0 picks a free port).',
  },
  maxPayloadBytes: {
    flag: 'max-payload-bytes', env: ['TIDEGATE_MAX_PAYLOAD_BYTES'], group: 'mqtt',
    kind: { type: 'int', min: 2, max: MIB - 4096 }, default: String(128 * 1024),
    describe: 'Largest reading payload forwarded; larger ones are dead-lettered (AWS IoT Core uses 128 KiB).',
  },
  cluster: {
    flag: 'cluster', env: ['TIDEGATE_CLUSTER'], group: 'mqtt',
    kind: { type: 'string', pattern: /^rediss?:\/\/\S+$/, patternHint: 'a redis:// or rediss:// URL' },
    default: undefined,
    describe:
      'Scale-out: share MQTT sessions and routing with the other gateways through this Redis ' +
      '(redis://[user:password@]host:port[/db]; rediss:// for TLS).',
  },
  httpHost: {
    flag: 'http-host', env: ['TIDEGATE_HTTP_HOST'], group: 'http',
    kind: { type: 'host' }, default: '127.0.0.1', describe: 'Address of the HTTP server (/metrics, /healthz, /readyz).',
  },
  httpPort: {
    flag: 'http-port', env: ['TIDEGATE_HTTP_PORT'], group: 'http',
    kind: PORT, default: '8080', describe: 'HTTP port (0 picks a free port).',
  },
  httpToken: {
    flag: 'http-token', env: ['TIDEGATE_HTTP_TOKEN'], group: 'http',
    kind: { type: 'string', pattern: /^[\x21-\x7e]{16,}$/, patternHint: 'at least 16 printable characters, no spaces' },
    default: undefined,
    describe:
      'Operator token: requests to the operator API (POST /v1/devices/{id}/commands) must send ' +
      '"Authorization: Bearer <token>". Unset: the operator API refuses every request.',
  },
  stream: {
    flag: 'stream', env: ['TIDEGATE_STREAM'], group: 'kinesis',
    kind: {
      type: 'string',
      pattern: /^([a-zA-Z0-9_.-]{1,128}|arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128})$/,
      patternHint: 'a stream name (1-128 characters of [a-zA-Z0-9_.-]) or a stream ARN',
    },
    default: 'telemetry', describe: 'Kinesis stream, by name or ARN.',
  },
  shards: {
    flag: 'shards', env: ['TIDEGATE_SHARDS'], group: 'kinesis',
    kind: { type: 'int', min: 1, max: 500 }, default: '4',
    describe: 'Shard count used when local mode creates the stream.',
  },
  kinesisEndpoint: {
    flag: 'kinesis-endpoint', env: ['AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL'], group: 'kinesis',
    kind: { type: 'url' }, default: undefined,
    describe:
      'Kinesis API endpoint. In local mode this replaces the embedded server. The SDK variables ' +
      'AWS_ENDPOINT_URL_KINESIS and AWS_ENDPOINT_URL are honoured.',
  },
  region: {
    flag: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], group: 'kinesis',
    kind: { type: 'string', pattern: /^[a-z0-9-]{2,32}$/, patternHint: 'an AWS region such as eu-west-1' },
    default: undefined,
    describe: 'AWS region; unset means the SDK default chain (local mode falls back to us-east-1).',
  },
  localKinesisHost: {
    flag: 'local-kinesis-host', env: ['TIDEGATE_LOCAL_KINESIS_HOST'], group: 'local',
    kind: { type: 'host' }, default: '127.0.0.1', describe: 'Address of the embedded Kinesis API server.',
  },
  localKinesisPort: {
    flag: 'local-kinesis-port', env: ['TIDEGATE_LOCAL_KINESIS_PORT'], group: 'local',
    kind: PORT, default: '4567', describe: 'Port of the embedded Kinesis API server.',
  },
  delivery: {
    flag: 'delivery', env: ['TIDEGATE_DELIVERY'], group: 'delivery',
    kind: { type: 'enum', values: ['auto', 'on', 'off'] }, default: 'auto',
    describe:
      'The delivery runner (stream → transform → S3 with Firehose semantics). auto: on in local mode, off in ' +
      'cloud mode (AWS runs Firehose there); on in cloud mode delivers to real S3 yourself.',
  },
  bucket: {
    flag: 'bucket', env: ['TIDEGATE_BUCKET'], group: 'delivery',
    kind: { type: 'string', pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, patternHint: 'an S3 bucket name' },
    default: 'telemetry-archive', describe: 'Bucket the delivery runner writes to (created in the embedded S3).',
  },
  s3Endpoint: {
    flag: 's3-endpoint', env: ['AWS_ENDPOINT_URL_S3'], group: 'delivery',
    kind: { type: 'url' }, default: undefined,
    describe: 'S3 endpoint for the delivery runner; in local mode this replaces the embedded S3 server.',
  },
  localS3Host: {
    flag: 'local-s3-host', env: ['TIDEGATE_LOCAL_S3_HOST'], group: 'local',
    kind: { type: 'host' }, default: '127.0.0.1', describe: 'Address of the embedded S3 API server.',
  },
  localS3Port: {
    flag: 'local-s3-port', env: ['TIDEGATE_LOCAL_S3_PORT'], group: 'local',
    kind: PORT, default: '4569', describe: 'Port of the embedded S3 API server.',
  },
  catalog: {
    flag: 'catalog', env: ['TIDEGATE_CATALOG'], group: 'delivery',
    kind: { type: 'string' }, default: undefined,
    describe: "Device catalog for the transform (types, sites, thresholds); the bundled transforms/catalog.json when unset.",
  },
  deliveryBufferIntervalS: {
    flag: 'delivery-buffer-interval-s', env: ['TIDEGATE_DELIVERY_BUFFER_INTERVAL_S'], group: 'delivery',
    kind: { type: 'int', min: 0, max: 900 }, default: '10',
    describe: "S3 buffering interval hint (Firehose's IntervalInSeconds; AWS defaults to 300).",
  },
  deliveryBufferSizeMb: {
    flag: 'delivery-buffer-size-mb', env: ['TIDEGATE_DELIVERY_BUFFER_SIZE_MB'], group: 'delivery',
    kind: { type: 'int', min: 1, max: 128 }, default: '5', describe: "S3 buffering size hint (Firehose's SizeInMBs).",
  },
  lingerMs: {
    flag: 'linger-ms', env: ['TIDEGATE_LINGER_MS'], group: 'bridge',
    kind: { type: 'int', min: 0, max: 10_000 }, default: '20',
    describe: 'How long a reading may wait for others to share its PutRecords request.',
  },
  maxInFlight: {
    flag: 'max-in-flight', env: ['TIDEGATE_MAX_IN_FLIGHT'], group: 'bridge',
    kind: { type: 'int', min: 1, max: 256 }, default: '4', describe: 'PutRecords requests in flight at once.',
  },
  maxRequestBytes: {
    flag: 'max-request-bytes', env: ['TIDEGATE_MAX_REQUEST_BYTES'], group: 'bridge',
    kind: { type: 'int', min: 64 * 1024, max: 10 * MIB }, default: String(5 * MIB),
    describe: 'PutRecords request size cap (AWS allows 10 MiB now, 5 MiB before 2025; the default fits both).',
  },
  maxRecordBytes: {
    flag: 'max-record-bytes', env: ['TIDEGATE_MAX_RECORD_BYTES'], group: 'bridge',
    kind: { type: 'int', min: 1024, max: 10 * MIB }, default: String(MIB),
    describe: "Largest Kinesis record (data + partition key): the stream's maximum record size, 1 MiB by default.",
  },
  aggregation: {
    flag: 'aggregation', env: ['TIDEGATE_AGGREGATION'], group: 'bridge',
    kind: { type: 'enum', values: ['on', 'off'] }, default: 'on',
    describe:
      'KPL aggregation: pack readings bound for the same shard into one Kinesis record. Turn off only for ' +
      'consumers that cannot deaggregate (off: each device has one reading in flight at a time).',
  },
  aggregationMaxBytes: {
    flag: 'aggregation-max-bytes', env: ['TIDEGATE_AGGREGATION_MAX_BYTES'], group: 'bridge',
    // Capped at a quarter of a shard's 1 MiB/s bucket: near 1 MiB one record needs the whole bucket, any latency
    // jitter gets it throttled, and the shard idles for seconds (measured: 68% utilisation at 1 MiB).
    kind: { type: 'int', min: 1024, max: 256 * 1024 }, default: '75000',
    describe: 'Largest aggregated record: exactly three 25 KB PUT payload units; README shows the measurement.',
  },
  shardHeadroomPercent: {
    flag: 'shard-headroom-percent', env: ['TIDEGATE_SHARD_HEADROOM_PERCENT'], group: 'bridge',
    kind: { type: 'int', min: 1, max: 100 }, default: '100',
    describe: "Share of each shard's write limits (1,000 records/s, 1 MiB/s) the gateway aims for.",
  },
  maxBufferedReadings: {
    flag: 'max-buffered-readings', env: ['TIDEGATE_MAX_BUFFERED_READINGS'], group: 'bridge',
    kind: { type: 'int', min: 1, max: 100_000_000 }, default: '100000',
    describe: 'Readings held in memory before the gateway stops reading from device sockets (backpressure).',
  },
  maxBufferedBytes: {
    flag: 'max-buffered-bytes', env: ['TIDEGATE_MAX_BUFFERED_BYTES'], group: 'bridge',
    kind: { type: 'int', min: 1024, max: 16 * 1024 * MIB }, default: String(64 * MIB),
    describe: 'Record bytes held in memory before backpressure starts (the process needs about twice that).',
  },
  retryBaseMs: {
    flag: 'retry-base-ms', env: ['TIDEGATE_RETRY_BASE_MS'], group: 'bridge',
    kind: { type: 'int', min: 1, max: 60_000 }, default: '100',
    describe: 'First retry backoff ceiling; doubles per attempt, full jitter.',
  },
  retryMaxMs: {
    flag: 'retry-max-ms', env: ['TIDEGATE_RETRY_MAX_MS'], group: 'bridge',
    kind: { type: 'int', min: 1, max: 600_000 }, default: '10000', describe: 'Largest retry backoff.',
  },
  requestTimeoutMs: {
    flag: 'request-timeout-ms', env: ['TIDEGATE_REQUEST_TIMEOUT_MS'], group: 'bridge',
    kind: { type: 'int', min: 100, max: 600_000 }, default: '15000',
    describe: 'Deadline of one PutRecords request, after which it is retried.',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
