/**
 * The delivery runner's Prometheus metrics, registered in the registry it is given (the gateway's, so `/metrics`
 * shows both). Label values are bounded: Firehose error codes, outcomes, object kinds, shard ids.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DeliveryMetrics {
  readonly registry: Registry;
  /** Kinesis records returned by GetRecords (an aggregate counts once). */
  kinesisRecordsRead: Counter<never>;
  /** User records after deaggregation. */
  recordsRead: Counter<never>;
  /** Records written to S3 under the data prefix. */
  recordsDelivered: Counter<never>;
  /** Records the transform returned as Dropped. */
  recordsDropped: Counter<never>;
  /** Records routed to the error output, by Firehose error code. */
  recordsFailed: Counter<'error_code'>;
  objectsWritten: Counter<'kind'>;
  objectBytes: Counter<'kind'>;
  s3Errors: Counter<'error_code'>;
  getRecordsErrors: Counter<'error_code'>;
  /** Transform invocations (every attempt) by outcome: `ok` or the Firehose error code. */
  invocations: Counter<'outcome'>;
  invocationDuration: Histogram<never>;
  invocationRecords: Histogram<never>;
  /** From a record's arrival in Kinesis to the S3 object holding it being written. */
  deliveryLatency: Histogram<'kind'>;
  millisBehindLatest: Gauge<'shard'>;
  bufferedBytes: Gauge<never>;
  checkpointWrites: Counter<never>;
}

export function createDeliveryMetrics(registry: Registry = new Registry()): DeliveryMetrics {
  const registers = [registry];
  return {
    registry,
    kinesisRecordsRead: new Counter({
      name: 'tidegate_delivery_kinesis_records_read_total',
      help: 'Kinesis records read by the delivery runner (a KPL aggregate counts once).', registers,
    }),
    recordsRead: new Counter({
      name: 'tidegate_delivery_records_read_total', help: 'User records read (after KPL deaggregation).', registers,
    }),
    recordsDelivered: new Counter({
      name: 'tidegate_delivery_records_delivered_total', help: 'Records written to S3 under the data prefix.', registers,
    }),
    recordsDropped: new Counter({
      name: 'tidegate_delivery_records_dropped_total', help: 'Records the transform returned as Dropped.', registers,
    }),
    recordsFailed: new Counter({
      name: 'tidegate_delivery_records_failed_total',
      help: 'Records routed to the error output, by Firehose error code.', labelNames: ['error_code'], registers,
    }),
    objectsWritten: new Counter({
      name: 'tidegate_delivery_objects_written_total', help: 'S3 objects written, by kind (data, error).',
      labelNames: ['kind'], registers,
    }),
    objectBytes: new Counter({
      name: 'tidegate_delivery_object_bytes_total', help: 'Bytes of S3 objects written (after compression), by kind.',
      labelNames: ['kind'], registers,
    }),
    s3Errors: new Counter({
      name: 'tidegate_delivery_s3_errors_total', help: 'Failed PutObject attempts (each is retried), by error name.',
      labelNames: ['error_code'], registers,
    }),
    getRecordsErrors: new Counter({
      name: 'tidegate_delivery_kinesis_errors_total', help: 'Failed GetRecords/GetShardIterator calls, by error name.',
      labelNames: ['error_code'], registers,
    }),
    invocations: new Counter({
      name: 'tidegate_delivery_transform_invocations_total',
      help: 'Transform invocations (every attempt), by outcome: ok or the Firehose error code.',
      labelNames: ['outcome'], registers,
    }),
    invocationDuration: new Histogram({
      name: 'tidegate_delivery_transform_duration_seconds', help: 'Duration of one transform invocation.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60], registers,
    }),
    invocationRecords: new Histogram({
      name: 'tidegate_delivery_transform_batch_records', help: 'Records per transform invocation.',
      buckets: [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000], registers,
    }),
    deliveryLatency: new Histogram({
      name: 'tidegate_delivery_latency_seconds',
      help: 'From a record arriving in Kinesis to the S3 object holding it being written, by kind (data, error).',
      labelNames: ['kind'],
      buckets: [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 12.5, 15, 20, 30, 60, 120, 300, 900], registers,
    }),
    millisBehindLatest: new Gauge({
      name: 'tidegate_delivery_millis_behind_latest', help: 'MillisBehindLatest of the last GetRecords, per shard.',
      labelNames: ['shard'], registers,
    }),
    bufferedBytes: new Gauge({
      name: 'tidegate_delivery_buffered_bytes',
      help: 'User record bytes read and not yet in S3 (processor buffer, transform, S3 buffers, uploads).', registers,
    }),
    checkpointWrites: new Counter({
      name: 'tidegate_delivery_checkpoint_writes_total', help: 'Checkpoint file writes.', registers,
    }),
  };
}
