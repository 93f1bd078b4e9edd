/** The gateway's Kinesis, Firehose, local-mode and delivery-runner settings. */
import { section, setting } from '../../../../common/settings/index.js';
import { sharedSetting } from '../../../../common/settings/shared.js';
import { MIB, PORT } from './general.js';

export const KINESIS_SETTINGS = section('Kinesis (--sink kinesis)', {
  stream: sharedSetting.stream('Kinesis stream, by name or ARN.'),
  shards: setting.integer({
    flag: 'shards', env: 'TIDEGATE_SHARDS', default: 4, min: 1, max: 500, help: 'Shard count used when local mode creates the stream.',
  }),
  kinesisEndpoint: sharedSetting.kinesisEndpoint(
    'Kinesis API endpoint. In local mode this replaces the embedded server. The SDK variables AWS_ENDPOINT_URL_KINESIS and AWS_ENDPOINT_URL are honoured.',
  ),
  region: sharedSetting.region('AWS region; unset means the SDK default chain (local mode falls back to us-east-1).'),
});

export const FIREHOSE_SETTINGS = section('Firehose Direct PUT (--sink firehose)', {
  deliveryStream: setting.string({
    flag: 'delivery-stream', env: 'TIDEGATE_DELIVERY_STREAM', default: 'telemetry-to-s3', placeholder: 'name|ARN',
    pattern: /^([a-zA-Z0-9_.-]{1,64}|arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/[a-zA-Z0-9_.-]{1,64})$/,
    hint: 'a delivery stream name (1-64 characters of [a-zA-Z0-9_.-]) or its ARN',
    help: 'Firehose Direct PUT delivery stream of --sink firehose, by name or ARN.',
  }),
  firehoseEndpoint: setting.url({
    flag: 'firehose-endpoint', env: ['AWS_ENDPOINT_URL_FIREHOSE', 'AWS_ENDPOINT_URL'],
    help:
      'Firehose API endpoint. In local mode this replaces the embedded Firehose API. The SDK variables ' +
      'AWS_ENDPOINT_URL_FIREHOSE and AWS_ENDPOINT_URL are honoured.',
  }),
  firehoseRecordsPerSecond: setting.integer({
    flag: 'firehose-records-per-second', env: 'TIDEGATE_FIREHOSE_RECORDS_PER_SECOND', default: 500_000, min: 0, max: 100_000_000,
    help: "The delivery stream's records/s quota to pace against (us-east-1 default; 100,000 in most regions); 0: no pacing.",
  }),
  firehoseBytesPerSecond: setting.integer({
    flag: 'firehose-bytes-per-second', env: 'TIDEGATE_FIREHOSE_BYTES_PER_SECOND', default: 5 * MIB, min: 0, max: 100_000 * MIB, unit: 'bytes',
    help: "The delivery stream's bytes/s quota (us-east-1 default 5 MiB/s; 1 MiB/s in most regions); 0: no pacing.",
  }),
});

export const LOCAL_SETTINGS = section('Local mode', {
  localKinesisHost: setting.host({
    flag: 'local-kinesis-host', env: 'TIDEGATE_LOCAL_KINESIS_HOST', default: '127.0.0.1', help: 'Address of the embedded Kinesis API server.',
  }),
  localKinesisPort: setting.integer({
    flag: 'local-kinesis-port', env: 'TIDEGATE_LOCAL_KINESIS_PORT', default: 4567, ...PORT, help: 'Port of the embedded Kinesis API server.',
  }),
  localFirehoseHost: setting.host({
    flag: 'local-firehose-host', env: 'TIDEGATE_LOCAL_FIREHOSE_HOST', default: '127.0.0.1',
    help: 'Address of the embedded Firehose API (--sink firehose).',
  }),
  localFirehosePort: setting.integer({
    flag: 'local-firehose-port', env: 'TIDEGATE_LOCAL_FIREHOSE_PORT', default: 4573, ...PORT,
    help: 'Port of the embedded Firehose API (--sink firehose).',
  }),
  localS3Host: setting.host({
    flag: 'local-s3-host', env: 'TIDEGATE_LOCAL_S3_HOST', default: '127.0.0.1', help: 'Address of the embedded S3 API server.',
  }),
  localS3Port: setting.integer({
    flag: 'local-s3-port', env: 'TIDEGATE_LOCAL_S3_PORT', default: 4569, ...PORT, help: 'Port of the embedded S3 API server.',
  }),
});

export const DELIVERY_SETTINGS = section('Delivery runner (Firehose semantics → S3)', {
  delivery: setting.oneOf(['auto', 'on', 'off'], {
    flag: 'delivery', env: 'TIDEGATE_DELIVERY', default: 'auto',
    help:
      'The delivery runner (stream → transform → S3 with Firehose semantics). auto: on in local mode, off in ' +
      'cloud mode (AWS runs Firehose there); on in cloud mode delivers to real S3 yourself. With --sink firehose ' +
      'in local mode it serves the Direct PUT delivery stream and is always on.',
  }),
  bucket: sharedSetting.bucket('Bucket the delivery runner writes to (created in the embedded S3).'),
  s3Endpoint: sharedSetting.s3Endpoint('S3 endpoint for the delivery runner; in local mode this replaces the embedded S3 server.'),
  catalog: sharedSetting.catalog('Device catalog for the transform (types, sites, thresholds); the bundled transforms/catalog.json when unset.'),
  deliveryBufferIntervalS: sharedSetting.deliveryBufferIntervalS("S3 buffering interval hint (Firehose's IntervalInSeconds; AWS defaults to 300)."),
  deliveryBufferSizeMb: sharedSetting.deliveryBufferSizeMb("S3 buffering size hint (Firehose's SizeInMBs)."),
});
