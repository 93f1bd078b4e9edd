/**
 * Counting and latency. Each thread that runs devices keeps one `Counters` object and one interval histogram of
 * publish→PUBACK latency (microseconds, HdrHistogram: 3 significant digits at any magnitude, mergeable). The
 * fleet adds every thread's interval histograms into a total, and keeps the last period's as "recent".
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export interface Counters {
  /** Readings published for the first time. */
  sent: number;
  /** Readings published again after a lost connection (at-least-once). */
  resent: number;
  /** QoS 1 readings acknowledged (PUBACK). */
  acked: number;
  /** Bad payloads published. */
  bad: number;
  /** Bad payloads acknowledged (the gateway PUBACKs what resending cannot fix). */
  badAcked: number;
  /** connectFailures + connectionLosses + publishErrors. */
  errors: number;
  /** Attempts that ended before CONNACK (refused, timed out, not authorised). */
  connectFailures: number;
  /** Connections that closed under a device that had not asked for it (a wrong-topic close is expected). */
  connectionLosses: number;
  publishErrors: number;
  /** Successful connections after the first one. */
  reconnects: number;
  /** Readings lost to dropout anomalies. */
  skipped: number;
  /** Anomalies started. */
  anomalies: number;
  /** Readings dropped from a full device queue. */
  dropped: number;
  /** Readings and bad payloads still unacknowledged when their device gave up (drain timeout, stop). */
  abandoned: number;
  /** Devices connected right now. */
  online: number;
  /** Devices that have connected at least once. */
  connected: number;
  /** Devices whose first attempt failed and that have not connected since. */
  failed: number;
  /** Messages queued or in flight right now. */
  pending: number;
}

export function createCounters(): Counters {
  return {
    sent: 0, resent: 0, acked: 0, bad: 0, badAcked: 0, errors: 0, connectFailures: 0, connectionLosses: 0,
    publishErrors: 0, reconnects: 0, skipped: 0, anomalies: 0, dropped: 0, abandoned: 0, online: 0, connected: 0,
    failed: 0, pending: 0,
  };
}

function addCounters(into: Counters, from: Readonly<Counters>): void {
  for (const key of Object.keys(into) as (keyof Counters)[]) into[key] += from[key];
}

/** A latency histogram in microseconds: 1 µs to 1 min before it resizes itself, 3 significant digits. */
export function createLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

export const encodeHistogram = (h: Histogram): string => encodeIntoCompressedBase64(h);
export const decodeHistogram = (s: string): Histogram => decodeFromCompressedBase64(s);

/** Milliseconds, 3 decimals; null while nothing was recorded (QoS 0 has no acknowledgements to time). */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  /** Samples (acknowledged readings). */
  count: number;
}

export function summariseLatency(h: Histogram): LatencySummary {
  const empty = h.totalCount === 0;
  // HdrHistogram reports a bucket's highest equivalent value, which can exceed the exact maximum.
  const ms = (us: number): number | null => (empty ? null : Math.round(Math.min(us, h.maxValue)) / 1000);
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    count: h.totalCount,
  };
}

/** Sums the latest counters of each source and merges their latency deltas. */
export interface StatsAggregator {
  ingest(source: number, counters: Readonly<Counters>, delta: Histogram | undefined, lastError: string | undefined): void;
  /** Ends a recent-latency period. */
  rotate(): void;
  counters(): Counters;
  readonly total: Histogram;
  readonly recent: Histogram;
  readonly lastError: string | undefined;
}

export function createStatsAggregator(sources: number): StatsAggregator {
  const latest: Counters[] = Array.from({ length: sources }, createCounters);
  const total = createLatencyHistogram();
  let recent = createLatencyHistogram();
  let filling = createLatencyHistogram();
  let lastError: string | undefined;
  return {
    ingest(source, counters, delta, error) {
      latest[source] = { ...counters };
      if (delta !== undefined && delta.totalCount > 0) {
        total.add(delta);
        filling.add(delta);
      }
      if (error !== undefined) lastError = error;
    },
    rotate() {
      const done = filling;
      filling = recent;
      filling.reset();
      recent = done;
    },
    counters() {
      const sum = createCounters();
      for (const c of latest) addCounters(sum, c);
      return sum;
    },
    total,
    get recent() {
      return recent;
    },
    get lastError() {
      return lastError;
    },
  };
}
