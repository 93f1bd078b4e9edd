import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics. One registry per gateway instance (tests run several in one process).
 * Label values are bounded: reasons, outcomes, QoS levels and AWS error codes, never device ids.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  connections: Gauge<never>;
  connectionsTotal: Counter<never>;
  connectionsRefused: Counter<'reason'>;
  readingsReceived: Counter<'qos' | 'protocol'>;
  readingsRejected: Counter<'reason'>;
  readingsForwarded: Counter<never>;
  deadLetters: Counter<'reason'>;
  deadLettersDropped: Counter<never>;
  sinkRequests: Counter<'outcome' | 'error_code'>;
  sinkEntriesFailed: Counter<'error_code'>;
  sinkRetries: Counter<'reason'>;
  sinkPutDuration: Histogram<'outcome'>;
  batchRecords: Histogram<never>;
  batchBytes: Histogram<never>;
  ackLatency: Histogram<'qos' | 'protocol'>;
  forwardLatency: Histogram<never>;
  bufferedReadings: Gauge<never>;
  bufferedBytes: Gauge<never>;
  inFlightRequests: Gauge<never>;
  backpressure: Gauge<never>;
  sinkFatal: Gauge<never>;
  shardEntries: Counter<'shard'>;
  shardReadings: Counter<'shard'>;
  shardBytes: Counter<'shard'>;
  shardThrottled: Counter<'shard'>;
  shardRateFactor: Gauge<'shard'>;
  httpRequests: Counter<'route' | 'code'>;
  spoolFsync: Histogram<never>;
  spoolReplayed: Counter<never>;
  spoolCorrupt: Counter<never>;
  publishesRefused: Counter<'reason'>;
  subscriptionsRefused: Counter<'reason'>;
  publishesThrottled: Counter<'limit'>;
  connectionsDropped: Counter<'reason'>;
  sessionTakeovers: Counter<never>;
  httpUnauthorized: Counter<never>;
  /** Registers where the spool gauges (bytes, entries, oldest age, blocked) read their values at scrape time. */
  setSpoolSource(source: () => SpoolGaugeValues): void;
}

export interface SpoolGaugeValues {
  bytes: number;
  entries: number;
  oldestAgeSeconds: number;
  blocked: boolean;
}

export interface MetricsOptions {
  /**
   * Collect prom-client's default process metrics (CPU, memory, file descriptors, event-loop lag, GC, heap)
   * under their standard names (`process_*`, `nodejs_*`), which the usual Node.js dashboards and alerts expect.
   * Default true.
   */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let spoolSource: (() => SpoolGaugeValues) | undefined;
  const spoolGauge = (name: string, help: string, pick: (v: SpoolGaugeValues) => number): Gauge<never> =>
    new Gauge({
      name, help, registers,
      collect() {
        if (spoolSource !== undefined) this.set(pick(spoolSource()));
      },
    });
  spoolGauge('tidegate_spool_bytes', 'Bytes of spool segments still holding readings Kinesis has not accepted.', (v) => v.bytes);
  spoolGauge('tidegate_spool_entries', 'Readings in the spool that Kinesis has not accepted yet.', (v) => v.entries);
  spoolGauge('tidegate_spool_oldest_age_seconds', 'Age of the oldest reading in the spool.', (v) => v.oldestAgeSeconds);
  spoolGauge('tidegate_spool_blocked', '1 while the spool holds appends (full, or a disk error).', (v) => (v.blocked ? 1 : 0));
  return {
    setSpoolSource(source) {
      spoolSource = source;
    },
    httpRequests: new Counter({
      name: 'tidegate_http_requests_total', help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'code'], registers,
    }),
    spoolFsync: new Histogram({
      name: 'tidegate_spool_fsync_duration_seconds', help: 'Duration of one spool group commit (write + fdatasync).',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1], registers,
    }),
    spoolReplayed: new Counter({
      name: 'tidegate_spool_replayed_entries_total', help: 'Readings replayed from the spool at startup.', registers,
    }),
    spoolCorrupt: new Counter({
      name: 'tidegate_spool_corrupt_entries_total',
      help: 'Spool entries skipped at startup because their checksum failed (torn or corrupt writes).', registers,
    }),
    publishesRefused: new Counter({
      name: 'tidegate_publishes_refused_total',
      help: 'Publishes refused by authorization or topic rules (the connection is closed), by reason.',
      labelNames: ['reason'], registers,
    }),
    subscriptionsRefused: new Counter({
      name: 'tidegate_subscriptions_refused_total', help: 'Subscriptions refused, by reason.', labelNames: ['reason'],
      registers,
    }),
    publishesThrottled: new Counter({
      name: 'tidegate_publishes_throttled_total',
      help: 'Publishes delayed because their device exceeded its message or byte rate, by the limit that applied.',
      labelNames: ['limit'], registers,
    }),
    connectionsDropped: new Counter({
      name: 'tidegate_connections_dropped_total',
      help: 'Established device sessions the gateway closed (protocol errors, timeouts, revoked credentials), by reason.',
      labelNames: ['reason'], registers,
    }),
    sessionTakeovers: new Counter({
      name: 'tidegate_session_takeovers_total',
      help: 'Connections that took over the session of an already connected device id (the older one is closed).',
      registers,
    }),
    httpUnauthorized: new Counter({
      name: 'tidegate_http_unauthorized_total', help: 'HTTP requests refused for a missing or wrong bearer token.',
      registers,
    }),
    registry,
    connections: new Gauge({ name: 'tidegate_connections', help: 'Device connections currently open.', registers }),
    connectionsTotal: new Counter({
      name: 'tidegate_connections_total', help: 'Device connections accepted since start.', registers,
    }),
    connectionsRefused: new Counter({
      name: 'tidegate_connections_refused_total', help: 'Connections refused, by reason.', labelNames: ['reason'],
      registers,
    }),
    readingsReceived: new Counter({
      name: 'tidegate_readings_received_total', help: 'Readings received from devices.',
      labelNames: ['qos', 'protocol'], registers,
    }),
    readingsRejected: new Counter({
      name: 'tidegate_readings_rejected_total', help: 'Publishes not forwarded, by reason.', labelNames: ['reason'],
      registers,
    }),
    readingsForwarded: new Counter({
      name: 'tidegate_readings_forwarded_total', help: 'Readings accepted by the sink (Kinesis).', registers,
    }),
    deadLetters: new Counter({
      name: 'tidegate_dead_letters_total', help: 'Entries written to the dead-letter file, by reason.',
      labelNames: ['reason'], registers,
    }),
    deadLettersDropped: new Counter({
      name: 'tidegate_dead_letters_dropped_total',
      help: 'Dead-letter entries not written because the dead-letter file fell too far behind.', registers,
    }),
    sinkRequests: new Counter({
      name: 'tidegate_sink_requests_total', help: 'PutRecords requests by outcome and AWS error code.',
      labelNames: ['outcome', 'error_code'], registers,
    }),
    sinkEntriesFailed: new Counter({
      name: 'tidegate_sink_entries_failed_total', help: 'Entries failed inside a 200 PutRecords response.',
      labelNames: ['error_code'], registers,
    }),
    sinkRetries: new Counter({
      name: 'tidegate_sink_retries_total', help: 'Entries scheduled for another attempt, by reason.',
      labelNames: ['reason'], registers,
    }),
    sinkPutDuration: new Histogram({
      name: 'tidegate_sink_put_duration_seconds', help: 'PutRecords request duration.', labelNames: ['outcome'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    }),
    batchRecords: new Histogram({
      name: 'tidegate_batch_records', help: 'Entries per PutRecords request.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500], registers,
    }),
    batchBytes: new Histogram({
      name: 'tidegate_batch_bytes', help: 'Bytes per PutRecords request (data + partition keys).',
      buckets: [1024, 8192, 65536, 262144, 1048576, 2097152, 5242880, 10485760], registers,
    }),
    ackLatency: new Histogram({
      name: 'tidegate_ack_latency_seconds',
      help: 'From receiving a QoS 1 reading to acknowledging it to the device (after Kinesis, or after the spool).',
      labelNames: ['qos', 'protocol'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    forwardLatency: new Histogram({
      name: 'tidegate_forward_latency_seconds',
      help: 'From handing a reading to the bridge to the sink accepting it.',
      buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 600], registers,
    }),
    bufferedReadings: new Gauge({
      name: 'tidegate_bridge_buffered_readings', help: 'Readings held by the bridge (queued or in flight).',
      registers,
    }),
    bufferedBytes: new Gauge({
      name: 'tidegate_bridge_buffered_bytes', help: 'Bytes held by the bridge (queued or in flight).', registers,
    }),
    inFlightRequests: new Gauge({
      name: 'tidegate_sink_in_flight_requests', help: 'PutRecords requests in flight.', registers,
    }),
    backpressure: new Gauge({
      name: 'tidegate_backpressure', help: '1 while the gateway has stopped reading from devices.', registers,
    }),
    sinkFatal: new Gauge({
      name: 'tidegate_sink_fatal', help: '1 while the sink fails with an error that needs an operator.', registers,
    }),
    shardEntries: new Counter({
      name: 'tidegate_shard_records_total', help: 'Kinesis records accepted per shard (an aggregated record counts once).',
      labelNames: ['shard'], registers,
    }),
    shardReadings: new Counter({
      name: 'tidegate_shard_readings_total', help: 'Readings accepted per shard.', labelNames: ['shard'], registers,
    }),
    shardBytes: new Counter({
      name: 'tidegate_shard_bytes_total', help: 'Bytes (data + partition key) accepted per shard.',
      labelNames: ['shard'], registers,
    }),
    shardThrottled: new Counter({
      name: 'tidegate_shard_throttled_total', help: 'Records refused with ProvisionedThroughputExceeded per shard.',
      labelNames: ['shard'], registers,
    }),
    shardRateFactor: new Gauge({
      name: 'tidegate_shard_rate_factor',
      help: 'Share of the per-shard write limit the gateway currently allows itself (lowered after throttling).',
      labelNames: ['shard'], registers,
    }),
  };
}
