/** The gateway's general, MQTT listener and HTTP server settings. */
import { section, setting } from '../../../../common/settings/index.js';
import { sharedSetting } from '../../../../common/settings/shared.js';

export const MIB = 1024 * 1024;
export const PORT = { min: 0, max: 65535 } as const;

export const GENERAL_SETTINGS = section('General', {
  mode: setting.oneOf(['local', 'cloud'], {
    flag: 'mode', env: 'TIDEGATE_MODE', default: 'cloud',
    help:
      'local: embedded Kinesis API server (unless an endpoint is given), stream created if missing, anonymous ' +
      'devices on loopback (`npm start` runs --mode local). cloud: real Kinesis via the AWS SDK default credential chain and region.',
  }),
  dataDir: sharedSetting.dataDir('Directory for the embedded Kinesis store and the dead-letter file.'),
  logLevel: sharedSetting.logLevel('pino log level.'),
  logFormat: setting.oneOf(['auto', 'json', 'pretty'], {
    flag: 'log-format', env: 'TIDEGATE_LOG_FORMAT', default: 'auto',
    help: 'json: one JSON object per line. pretty: readable lines for a terminal. auto: pretty when stdout is a terminal, json otherwise.',
  }),
  ack: setting.oneOf(['kinesis', 'spool'], {
    flag: 'ack', env: 'TIDEGATE_ACK', default: 'kinesis',
    help:
      'When a QoS 1 reading is acknowledged. kinesis: after Kinesis accepted it. spool: after it is durable in ' +
      'the local write-ahead spool, which drains to Kinesis in the background (survives Kinesis outages).',
  }),
  spoolMaxBytes: setting.integer({
    flag: 'spool-max-bytes', env: 'TIDEGATE_SPOOL_MAX_BYTES', default: 1024 * MIB, min: MIB, unit: 'bytes',
    help: 'Spool size cap; at the cap devices are slowed down (backpressure), nothing is dropped.',
  }),
  spoolSegmentBytes: setting.integer({
    flag: 'spool-segment-bytes', env: 'TIDEGATE_SPOOL_SEGMENT_BYTES', default: 64 * MIB, min: 64 * 1024, max: 1024 * MIB, unit: 'bytes',
    help: 'Spool segment size; a segment is deleted once Kinesis accepted everything in it.',
  }),
  shutdownTimeoutMs: sharedSetting.shutdownTimeoutMs('How long SIGINT/SIGTERM waits for buffered readings to reach Kinesis before giving up (exit 1).'),
  sink: setting.oneOf(['kinesis', 'firehose'], {
    flag: 'sink', env: 'TIDEGATE_SINK', default: 'kinesis',
    help:
      'Where readings go. kinesis: a Kinesis data stream (--stream). firehose: a Firehose Direct PUT delivery ' +
      'stream (--delivery-stream) straight to S3; in local mode the embedded Firehose API serves it.',
  }),
});

export const MQTT_SETTINGS = section('MQTT listener', {
  mqttHost: setting.host({ flag: 'mqtt-host', env: 'TIDEGATE_MQTT_HOST', default: '127.0.0.1', help: 'Address the MQTT TCP listener binds.' }),
  mqttPort: setting.integer({ flag: 'mqtt-port', env: 'TIDEGATE_MQTT_PORT', default: 1883, ...PORT, help: 'MQTT TCP port (0 picks a free port).' }),
  maxPayloadBytes: setting.integer({
    flag: 'max-payload-bytes', env: 'TIDEGATE_MAX_PAYLOAD_BYTES', default: 128 * 1024, min: 2, max: MIB - 4096, unit: 'bytes',
    help: 'Largest reading payload forwarded; larger ones are dead-lettered (AWS IoT Core uses 128 KiB).',
  }),
  cluster: setting.string({
    flag: 'cluster', env: 'TIDEGATE_CLUSTER', pattern: /^rediss?:\/\/\S+$/, hint: 'a redis:// or rediss:// URL', placeholder: 'URL',
    help:
      'Scale-out: share MQTT sessions and routing with the other gateways through this Redis ' +
      '(redis://[user:password@]host:port[/db]; rediss:// for TLS).',
  }),
});

export const HTTP_SETTINGS = section('HTTP server', {
  httpHost: sharedSetting.httpHost('Address of the HTTP server (/metrics, /healthz, /readyz).'),
  httpPort: sharedSetting.httpPort('HTTP port (0 picks a free port).'),
  httpMaxBodyBytes: setting.integer({
    flag: 'http-max-body-bytes', env: 'TIDEGATE_HTTP_MAX_BODY_BYTES', default: MIB, min: 1024, max: 64 * MIB, unit: 'bytes',
    help: 'Largest HTTP ingest request body; larger ones get 413 (before the body is read when Content-Length says so).',
  }),
  httpReadTimeoutMs: setting.integer({
    flag: 'http-read-timeout-ms', env: 'TIDEGATE_HTTP_READ_TIMEOUT_MS', default: 10_000, min: 100, max: 600_000, unit: 'ms',
    help: 'Time an HTTP ingest client has to send its whole request body (then 408).',
  }),
});
