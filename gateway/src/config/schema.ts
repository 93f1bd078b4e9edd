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
  group: 'general' | 'mqtt' | 'http' | 'kinesis' | 'firehose' | 'bridge' | 'delivery' | 'local' | 'security' | 'limits';
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
  logFormat: {
    flag: 'log-format', env: ['TIDEGATE_LOG_FORMAT'], group: 'general',
    kind: { type: 'enum', values: ['auto', 'json', 'pretty'] }, default: 'auto',
    describe: 'json: one JSON object per line. pretty: readable lines for a terminal. auto: pretty when stdout is a terminal, json otherwise.',
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
  httpMaxBodyBytes: {
    flag: 'http-max-body-bytes', env: ['TIDEGATE_HTTP_MAX_BODY_BYTES'], group: 'http',
    kind: { type: 'int', min: 1024, max: 64 * MIB }, default: String(MIB),
    describe: 'Largest HTTP ingest request body; larger ones get 413 (before the body is read when Content-Length says so).',
  },
  httpReadTimeoutMs: {
    flag: 'http-read-timeout-ms', env: ['TIDEGATE_HTTP_READ_TIMEOUT_MS'], group: 'http',
    kind: { type: 'int', min: 100, max: 600_000 }, default: '10000',
    describe: 'Time an HTTP ingest client has to send its whole request body (then 408).',
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
  sink: {
    flag: 'sink', env: ['TIDEGATE_SINK'], group: 'general',
    kind: { type: 'enum', values: ['kinesis', 'firehose'] }, default: 'kinesis',
    describe:
      'Where readings go. kinesis: a Kinesis data stream (--stream). firehose: a Firehose Direct PUT delivery ' +
      'stream (--delivery-stream) straight to S3; in local mode the embedded Firehose API serves it.',
  },
  deliveryStream: {
    flag: 'delivery-stream', env: ['TIDEGATE_DELIVERY_STREAM'], group: 'firehose',
    kind: {
      type: 'string',
      pattern: /^([a-zA-Z0-9_.-]{1,64}|arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/[a-zA-Z0-9_.-]{1,64})$/,
      patternHint: 'a delivery stream name (1-64 characters of [a-zA-Z0-9_.-]) or its ARN',
    },
    default: 'telemetry-to-s3', describe: 'Firehose Direct PUT delivery stream of --sink firehose, by name or ARN.',
  },
  firehoseEndpoint: {
    flag: 'firehose-endpoint', env: ['AWS_ENDPOINT_URL_FIREHOSE', 'AWS_ENDPOINT_URL'], group: 'firehose',
    kind: { type: 'url' }, default: undefined,
    describe:
      'Firehose API endpoint. In local mode this replaces the embedded Firehose API. The SDK variables ' +
      'AWS_ENDPOINT_URL_FIREHOSE and AWS_ENDPOINT_URL are honoured.',
  },
  firehoseRecordsPerSecond: {
    flag: 'firehose-records-per-second', env: ['TIDEGATE_FIREHOSE_RECORDS_PER_SECOND'], group: 'firehose',
    kind: { type: 'int', min: 0, max: 100_000_000 }, default: '500000',
    describe: "The delivery stream's records/s quota to pace against (us-east-1 default; 100,000 in most regions); 0: no pacing.",
  },
  firehoseBytesPerSecond: {
    flag: 'firehose-bytes-per-second', env: ['TIDEGATE_FIREHOSE_BYTES_PER_SECOND'], group: 'firehose',
    kind: { type: 'int', min: 0, max: 100_000 * MIB }, default: String(5 * MIB),
    describe: "The delivery stream's bytes/s quota (us-east-1 default 5 MiB/s; 1 MiB/s in most regions); 0: no pacing.",
  },
  localFirehoseHost: {
    flag: 'local-firehose-host', env: ['TIDEGATE_LOCAL_FIREHOSE_HOST'], group: 'local',
    kind: { type: 'host' }, default: '127.0.0.1', describe: 'Address of the embedded Firehose API (--sink firehose).',
  },
  localFirehosePort: {
    flag: 'local-firehose-port', env: ['TIDEGATE_LOCAL_FIREHOSE_PORT'], group: 'local',
    kind: PORT, default: '4573', describe: 'Port of the embedded Firehose API (--sink firehose).',
  },
  delivery: {
    flag: 'delivery', env: ['TIDEGATE_DELIVERY'], group: 'delivery',
    kind: { type: 'enum', values: ['auto', 'on', 'off'] }, default: 'auto',
    describe:
      'The delivery runner (stream → transform → S3 with Firehose semantics). auto: on in local mode, off in ' +
      'cloud mode (AWS runs Firehose there); on in cloud mode delivers to real S3 yourself. With --sink firehose ' +
      'in local mode it serves the Direct PUT delivery stream and is always on.',
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
    describe: 'How long a reading may wait for others to share its PutRecords/PutRecordBatch request.',
  },
  maxInFlight: {
    flag: 'max-in-flight', env: ['TIDEGATE_MAX_IN_FLIGHT'], group: 'bridge',
    kind: { type: 'int', min: 1, max: 256 }, default: '4', describe: 'PutRecords/PutRecordBatch requests in flight at once.',
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
    describe: 'Deadline of one PutRecords/PutRecordBatch request, after which it is retried.',
  },
  // Security (README "Security"): authentication, TLS, WebSocket listeners, the HTTP token.
  auth: {
    flag: 'auth', env: ['TIDEGATE_AUTH'], group: 'security',
    kind: { type: 'enum', values: ['off', 'required'] }, default: undefined,
    describe:
      'Device authentication. required: every device presents its registry secret or a client certificate. ' +
      'off: the device id is the client id, no credentials (only allowed while every listener is on loopback). ' +
      'Unset: required in cloud mode, off in local mode.',
  },
  devicesFile: {
    flag: 'devices-file', env: ['TIDEGATE_DEVICES_FILE'], group: 'security',
    kind: { type: 'string' }, default: undefined,
    describe: 'Device registry (ids, scrypt-hashed secrets, metadata), managed with `npm run devices`. Unset: <data-dir>/devices.json.',
  },
  authCacheSize: {
    flag: 'auth-cache-size', env: ['TIDEGATE_AUTH_CACHE_SIZE'], group: 'security',
    kind: { type: 'int', min: 0, max: 10_000_000 }, default: '10000',
    describe: 'Successful secret verifications remembered (LRU), so reconnect storms do not rerun scrypt; 0 disables.',
  },
  tlsHost: {
    flag: 'tls-host', env: ['TIDEGATE_TLS_HOST'], group: 'security',
    kind: { type: 'host' }, default: undefined, describe: 'Address of the MQTT-over-TLS listener. Unset: --mqtt-host.',
  },
  tlsPort: {
    flag: 'tls-port', env: ['TIDEGATE_TLS_PORT'], group: 'security',
    kind: PORT, default: '8883', describe: 'MQTT-over-TLS port; the listener runs when --tls-cert and --tls-key are set.',
  },
  tlsCert: {
    flag: 'tls-cert', env: ['TIDEGATE_TLS_CERT'], group: 'security',
    kind: { type: 'string' }, default: undefined, describe: 'Server certificate chain (PEM file) for the TLS and wss listeners.',
  },
  tlsKey: {
    flag: 'tls-key', env: ['TIDEGATE_TLS_KEY'], group: 'security',
    kind: { type: 'string' }, default: undefined, describe: 'Private key (PEM file) of --tls-cert.',
  },
  tlsCa: {
    flag: 'tls-ca', env: ['TIDEGATE_TLS_CA'], group: 'security',
    kind: { type: 'string' }, default: undefined,
    describe: 'CA bundle (PEM file) that signs device certificates; when set, devices may authenticate with a client certificate.',
  },
  tlsClientCert: {
    flag: 'tls-client-cert', env: ['TIDEGATE_TLS_CLIENT_CERT'], group: 'security',
    kind: { type: 'enum', values: ['optional', 'required'] }, default: 'optional',
    describe: 'optional: TLS devices present a certificate or a secret. required: the TLS handshake fails without a certificate signed by --tls-ca.',
  },
  tlsCertDevices: {
    flag: 'tls-cert-devices', env: ['TIDEGATE_TLS_CERT_DEVICES'], group: 'security',
    kind: { type: 'enum', values: ['any', 'registered'] }, default: 'any',
    describe: 'any: a valid certificate admits its device unless the registry lists it as revoked. registered: the device must also be in the registry, unrevoked.',
  },
  ws: {
    flag: 'ws', env: ['TIDEGATE_WS'], group: 'security',
    kind: { type: 'enum', values: ['off', 'on'] }, default: 'off', describe: 'MQTT over WebSocket (subprotocol mqtt) on --ws-port.',
  },
  wsHost: {
    flag: 'ws-host', env: ['TIDEGATE_WS_HOST'], group: 'security',
    kind: { type: 'host' }, default: undefined, describe: 'Address of the WebSocket listener. Unset: --mqtt-host.',
  },
  wsPort: {
    flag: 'ws-port', env: ['TIDEGATE_WS_PORT'], group: 'security', kind: PORT, default: '8083', describe: 'MQTT-over-WebSocket port.',
  },
  wss: {
    flag: 'wss', env: ['TIDEGATE_WSS'], group: 'security',
    kind: { type: 'enum', values: ['off', 'on'] }, default: 'off',
    describe: 'MQTT over secure WebSocket on --wss-port, with the TLS settings (needs --tls-cert and --tls-key).',
  },
  wssHost: {
    flag: 'wss-host', env: ['TIDEGATE_WSS_HOST'], group: 'security',
    kind: { type: 'host' }, default: undefined, describe: 'Address of the secure WebSocket listener. Unset: --mqtt-host.',
  },
  wssPort: {
    flag: 'wss-port', env: ['TIDEGATE_WSS_PORT'], group: 'security', kind: PORT, default: '8084', describe: 'MQTT-over-secure-WebSocket port.',
  },
  httpToken: {
    flag: 'http-token', env: ['TIDEGATE_HTTP_TOKEN'], group: 'security',
    kind: { type: 'string' }, default: undefined,
    describe:
      'Operator token (at least 16 characters): every HTTP endpoint except /healthz and the device ingest requires ' +
      '"Authorization: Bearer <token>", and the operator API (POST /v1/devices/{id}/commands) refuses every request without it.',
  },
  httpTokenFile: {
    flag: 'http-token-file', env: ['TIDEGATE_HTTP_TOKEN_FILE'], group: 'security',
    kind: { type: 'string' }, default: undefined, describe: 'File holding the HTTP token (first line), instead of --http-token.',
  },

  // Limits (README "Security" → limits table).
  maxConnections: {
    flag: 'max-connections', env: ['TIDEGATE_MAX_CONNECTIONS'], group: 'limits',
    kind: { type: 'int', min: 1, max: 10_000_000 }, default: '100000',
    describe: 'Open device connections across all MQTT listeners; further connections are closed at once.',
  },
  connectTimeoutMs: {
    flag: 'connect-timeout-ms', env: ['TIDEGATE_CONNECT_TIMEOUT_MS'], group: 'limits',
    kind: { type: 'int', min: 100, max: 300_000 }, default: '10000',
    describe: 'A connection that has not sent CONNECT by then is closed (counts as a failed login for the backoff).',
  },
  keepaliveMaxS: {
    flag: 'keepalive-max-s', env: ['TIDEGATE_KEEPALIVE_MAX_S'], group: 'limits',
    kind: { type: 'int', min: 1, max: 65535 }, default: '1200',
    describe: 'Largest keep-alive honoured; a device asking for 0 (none) or more gets this one (closed after 1.5x of it without traffic).',
  },
  maxPacketBytes: {
    flag: 'max-packet-bytes', env: ['TIDEGATE_MAX_PACKET_BYTES'], group: 'limits',
    kind: { type: 'int', min: 1024, max: 268_435_460 }, default: String(256 * 1024),
    describe: 'Largest MQTT packet; a larger length field closes the connection before its body is buffered. Raised to --max-payload-bytes + 4096 if lower.',
  },
  maxTopicLevels: {
    flag: 'max-topic-levels', env: ['TIDEGATE_MAX_TOPIC_LEVELS'], group: 'limits',
    kind: { type: 'int', min: 3, max: 100 }, default: '8', describe: 'Deepest topic (levels) in a publish or subscription.',
  },
  deviceMessagesPerSecond: {
    flag: 'device-messages-per-second', env: ['TIDEGATE_DEVICE_MESSAGES_PER_SECOND'], group: 'limits',
    kind: { type: 'int', min: 0, max: 1_000_000 }, default: undefined,
    describe: 'Publishes per second per device (one second of burst); a faster device is slowed down, not dropped. 0: unlimited. Unset: 100 in cloud mode, unlimited in local mode.',
  },
  deviceBytesPerSecond: {
    flag: 'device-bytes-per-second', env: ['TIDEGATE_DEVICE_BYTES_PER_SECOND'], group: 'limits',
    kind: { type: 'int', min: 0, max: 10_000_000_000 }, default: undefined,
    describe: 'Publish bytes (payload + topic) per second per device, like --device-messages-per-second. Unset: 524288 in cloud mode, unlimited in local mode.',
  },
  loginBackoffBaseMs: {
    flag: 'login-backoff-base-ms', env: ['TIDEGATE_LOGIN_BACKOFF_BASE_MS'], group: 'limits',
    kind: { type: 'int', min: 0, max: 600_000 }, default: '1000',
    describe: 'After --login-backoff-after failed logins from one address, its connections are refused for this long, doubling per further failure. 0 disables.',
  },
  loginBackoffMaxMs: {
    flag: 'login-backoff-max-ms', env: ['TIDEGATE_LOGIN_BACKOFF_MAX_MS'], group: 'limits',
    kind: { type: 'int', min: 0, max: 3_600_000 }, default: '60000', describe: 'Longest failed-login backoff.',
  },
  loginBackoffAfter: {
    flag: 'login-backoff-after', env: ['TIDEGATE_LOGIN_BACKOFF_AFTER'], group: 'limits',
    kind: { type: 'int', min: 0, max: 1000 }, default: '3', describe: 'Consecutive failed logins an address may have before the backoff starts.',
  },
  drainTimeoutMs: {
    flag: 'drain-timeout-ms', env: ['TIDEGATE_DRAIN_TIMEOUT_MS'], group: 'limits',
    kind: { type: 'int', min: 0, max: 600_000 }, default: '30000',
    describe: 'A device that reads nothing of what the gateway sends it for this long is disconnected (0: never).',
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
