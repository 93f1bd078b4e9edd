/**
 * The JSON the dashboard's endpoints send (`GET /api/v1/stats`, `GET /api/v1/latest`). Types only and no imports,
 * so the browser script type-checks against exactly these shapes without Node's types in its program.
 */

export interface ShardStats {
  shard: string;
  recordsPerSecond: number;
  readingsPerSecond: number;
  bytesPerSecond: number;
  throttledPerSecond: number;
  throttledTotal: number;
  rateFactor: number;
  /** This shard's part of the stream's readings over the rate window (0..1). */
  share: number;
}

export interface CountByReason {
  reason: string;
  total: number;
  perSecond: number;
}

/** The compact figures the dashboard polls (`GET /api/v1/stats`). */
export interface StatsSnapshot {
  at: number;
  uptimeSeconds: number;
  rssBytes: number;
  /** Seconds the rates are averaged over. */
  rateWindowSeconds: number;
  readings: { receivedPerSecond: number; forwardedPerSecond: number; receivedTotal: number; forwardedTotal: number };
  connections: number;
  bufferedReadings: number;
  backpressure: boolean;
  sinkFatal: boolean;
  /** Publish → acknowledgement over the latency window, from the `tidegate_ack_latency_seconds` buckets. */
  ackLatencyMs: { p50: number; p90: number; p99: number; count: number; windowSeconds: number } | null;
  shards: ShardStats[];
  /** Busiest shard's readings/s over the mean (1 = even); null without traffic. */
  shardSkew: number | null;
  deadLetters: CountByReason[];
  errors: CountByReason[];
  spool: { entries: number; bytes: number; oldestAgeSeconds: number };
  /** One point per sample, oldest first; `t` in seconds relative to `at` (≤ 0). */
  history: {
    t: number[];
    receivedPerSecond: number[];
    forwardedPerSecond: number[];
    connections: number[];
    spoolEntries: number[];
    ackP50Ms: (number | null)[];
    ackP99Ms: (number | null)[];
  };
}

export interface LatestReading {
  deviceId: string;
  /** When the gateway received it, ms since the Unix epoch. */
  receivedAt: number;
  seq?: number;
  /** The reading object; undefined when it was too large to keep (`bytes` tells its size). */
  reading?: unknown;
  bytes: number;
}

/** The body of `GET /api/v1/latest`. */
export interface LatestResponse {
  /** Newest first. */
  readings: LatestReading[];
}
