/** The gateway's batching-bridge settings: lingering, request sizes, aggregation, backpressure, retries. */
import { section, setting } from '../../../../common/settings/index.js';
import { MIB } from './general.js';

export const BRIDGE_SETTINGS = section('Batching bridge', {
  lingerMs: setting.integer({
    flag: 'linger-ms', env: 'TIDEGATE_LINGER_MS', default: 20, min: 0, max: 10_000, unit: 'ms',
    help: 'How long a reading may wait for others to share its PutRecords/PutRecordBatch request.',
  }),
  maxInFlight: setting.integer({
    flag: 'max-in-flight', env: 'TIDEGATE_MAX_IN_FLIGHT', default: 4, min: 1, max: 256,
    help: 'PutRecords/PutRecordBatch requests in flight at once.',
  }),
  maxRequestBytes: setting.integer({
    flag: 'max-request-bytes', env: 'TIDEGATE_MAX_REQUEST_BYTES', default: 5 * MIB, min: 64 * 1024, max: 10 * MIB, unit: 'bytes',
    help: 'PutRecords request size cap (AWS allows 10 MiB now, 5 MiB before 2025; the default fits both).',
  }),
  maxRecordBytes: setting.integer({
    flag: 'max-record-bytes', env: 'TIDEGATE_MAX_RECORD_BYTES', default: MIB, min: 1024, max: 10 * MIB, unit: 'bytes',
    help: "Largest Kinesis record (data + partition key): the stream's maximum record size, 1 MiB by default.",
  }),
  aggregation: setting.oneOf(['on', 'off'], {
    flag: 'aggregation', env: 'TIDEGATE_AGGREGATION', default: 'on',
    help:
      'KPL aggregation: pack readings bound for the same shard into one Kinesis record. Turn off only for ' +
      'consumers that cannot deaggregate (off: each device has one reading in flight at a time).',
  }),
  aggregationMaxBytes: setting.integer({
    flag: 'aggregation-max-bytes', env: 'TIDEGATE_AGGREGATION_MAX_BYTES', default: 75_000, min: 1024,
    // Capped at a quarter of a shard's 1 MiB/s bucket: near 1 MiB one record needs the whole bucket, any latency
    // jitter gets it throttled, and the shard idles for seconds (measured: 68% utilisation at 1 MiB).
    max: 256 * 1024,
    unit: 'bytes',
    help: 'Largest aggregated record: exactly three 25 KB PUT payload units; README shows the measurement.',
  }),
  shardHeadroomPercent: setting.integer({
    flag: 'shard-headroom-percent', env: 'TIDEGATE_SHARD_HEADROOM_PERCENT', default: 100, min: 1, max: 100,
    help: "Share of each shard's write limits (1,000 records/s, 1 MiB/s) the gateway aims for.",
  }),
  maxBufferedReadings: setting.integer({
    flag: 'max-buffered-readings', env: 'TIDEGATE_MAX_BUFFERED_READINGS', default: 100_000, min: 1, max: 100_000_000,
    help: 'Readings held in memory before the gateway stops reading from device sockets (backpressure).',
  }),
  maxBufferedBytes: setting.integer({
    flag: 'max-buffered-bytes', env: 'TIDEGATE_MAX_BUFFERED_BYTES', default: 64 * MIB, min: 1024, max: 16 * 1024 * MIB, unit: 'bytes',
    help: 'Record bytes held in memory before backpressure starts (the process needs about twice that).',
  }),
  retryBaseMs: setting.integer({
    flag: 'retry-base-ms', env: 'TIDEGATE_RETRY_BASE_MS', default: 100, min: 1, max: 60_000, unit: 'ms',
    help: 'First retry backoff ceiling; doubles per attempt, full jitter.',
  }),
  retryMaxMs: setting.integer({
    flag: 'retry-max-ms', env: 'TIDEGATE_RETRY_MAX_MS', default: 10_000, min: 1, max: 600_000, unit: 'ms', help: 'Largest retry backoff.',
  }),
  requestTimeoutMs: setting.integer({
    flag: 'request-timeout-ms', env: 'TIDEGATE_REQUEST_TIMEOUT_MS', default: 15_000, min: 100, max: 600_000, unit: 'ms',
    help: 'Deadline of one PutRecords/PutRecordBatch request, after which it is retried.',
  }),
});
