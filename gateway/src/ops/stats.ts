import type { Registry } from 'prom-client';
import type { CountByReason, ShardStats, StatsSnapshot } from './dashboard-api.js';
import { bucketDelta, quantile, type Buckets } from './histogram.js';

export type { CountByReason, ShardStats, StatsSnapshot } from './dashboard-api.js';

/** One reading of the gateway's counters and gauges. */
interface Sample {
  at: number;
  received: number;
  forwarded: number;
  connections: number;
  buffered: number;
  backpressure: boolean;
  sinkFatal: boolean;
  spool: { entries: number; bytes: number; oldestAgeSeconds: number };
  ack: Buckets;
  shards: Map<string, ShardSample>;
  rateFactor: Map<string, number>;
  deadLetters: Map<string, number>;
  /** Keyed `request:<code>`, `entry:<code>`, `retry:<reason>`. */
  errors: Map<string, number>;
}

interface ShardSample {
  records: number;
  readings: number;
  bytes: number;
  throttled: number;
}

export interface StatsSamplerOptions {
  registry: Registry;
  /** Sampling period, ms. Default 1000. */
  intervalMs?: number;
  /** Samples kept (the charts' time span). Default 120. */
  historySamples?: number;
  /** Window of the rates, seconds. Default 5. */
  rateWindowSeconds?: number;
  /** Window of the latency percentiles, seconds. Default 10. */
  latencyWindowSeconds?: number;
  now?: () => number;
}

export interface StatsSampler {
  snapshot(): StatsSnapshot;
  /** Takes a sample now (the timer does it every interval). */
  sample(): Promise<void>;
  close(): void;
}

type Values = Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;

/**
 * Samples the gateway's own metrics once a second into a short ring and derives what the dashboard shows:
 * rates over a sliding window, per-shard load and skew, acknowledgement latency percentiles, dead letters and
 * errors by reason. The cost is a few metric reads per second, whatever the traffic.
 */
export function createStatsSampler(options: StatsSamplerOptions): StatsSampler {
  const { registry } = options;
  const now = options.now ?? Date.now;
  const capacity = options.historySamples ?? 120;
  const rateWindow = options.rateWindowSeconds ?? 5;
  const latencyWindow = options.latencyWindowSeconds ?? 10;
  const startedAt = now();
  const samples: Sample[] = [];
  let sampling = false;

  async function read(name: string): Promise<Values> {
    const metric = registry.getSingleMetric(name);
    if (metric === undefined) return [];
    return (await metric.get()).values as Values;
  }
  const sum = (values: Values): number => values.reduce((acc, v) => acc + v.value, 0);
  const byLabel = (values: Values, label: string, into = new Map<string, number>(), prefix = ''): Map<string, number> => {
    for (const v of values) {
      const key = prefix + String(v.labels[label] ?? '');
      into.set(key, (into.get(key) ?? 0) + v.value);
    }
    return into;
  };

  async function take(): Promise<Sample> {
    const [received, forwarded, connections, buffered, backpressure, fatal, ack, sRecords, sReadings, sBytes, sThrottled, factor, dead, requests, entries, retries, spoolEntries, spoolBytes, spoolAge] =
      await Promise.all(
        [
          'tidegate_readings_received_total', 'tidegate_readings_forwarded_total', 'tidegate_connections',
          'tidegate_bridge_buffered_readings', 'tidegate_backpressure', 'tidegate_sink_fatal', 'tidegate_ack_latency_seconds',
          'tidegate_shard_records_total', 'tidegate_shard_readings_total', 'tidegate_shard_bytes_total',
          'tidegate_shard_throttled_total', 'tidegate_shard_rate_factor', 'tidegate_readings_rejected_total',
          'tidegate_sink_requests_total', 'tidegate_sink_entries_failed_total', 'tidegate_sink_retries_total',
          'tidegate_spool_entries', 'tidegate_spool_bytes', 'tidegate_spool_oldest_age_seconds',
        ].map(read),
      ) as Values[] as [Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values, Values];
    const ackBuckets = new Map<number, number>();
    for (const v of ack) {
      if (v.metricName?.endsWith('_bucket') !== true) continue;
      const le = v.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels['le']);
      ackBuckets.set(le, (ackBuckets.get(le) ?? 0) + v.value);
    }
    const shards = new Map<string, ShardSample>();
    const shard = (id: string): ShardSample => {
      let s = shards.get(id);
      if (s === undefined) shards.set(id, (s = { records: 0, readings: 0, bytes: 0, throttled: 0 }));
      return s;
    };
    for (const [id, n] of byLabel(sRecords, 'shard')) shard(id).records = n;
    for (const [id, n] of byLabel(sReadings, 'shard')) shard(id).readings = n;
    for (const [id, n] of byLabel(sBytes, 'shard')) shard(id).bytes = n;
    for (const [id, n] of byLabel(sThrottled, 'shard')) shard(id).throttled = n;
    const errors = new Map<string, number>();
    byLabel(requests.filter((v) => v.labels['outcome'] === 'error'), 'error_code', errors, 'request:');
    byLabel(entries, 'error_code', errors, 'entry:');
    byLabel(retries, 'reason', errors, 'retry:');
    return {
      at: now(),
      received: sum(received),
      forwarded: sum(forwarded),
      connections: sum(connections),
      buffered: sum(buffered),
      backpressure: sum(backpressure) > 0,
      sinkFatal: sum(fatal) > 0,
      spool: { entries: sum(spoolEntries), bytes: sum(spoolBytes), oldestAgeSeconds: sum(spoolAge) },
      ack: [...ackBuckets].sort((a, b) => a[0] - b[0]),
      shards,
      rateFactor: byLabel(factor, 'shard'),
      deadLetters: byLabel(dead, 'reason'),
      errors,
    };
  }

  /** The newest sample at least `seconds` older than `latest` (or the oldest one kept). */
  function before(latest: Sample, seconds: number): Sample | undefined {
    let found: Sample | undefined;
    for (let i = samples.length - 1; i >= 0; i--) {
      const s = samples[i] as Sample;
      if (s === latest) continue;
      found = s;
      if (latest.at - s.at >= seconds * 1000 - 50) break;
    }
    return found;
  }
  const perSecond = (delta: number, ms: number): number => (ms > 0 ? Math.max(0, (delta * 1000) / ms) : 0);
  const ms = (seconds: number | undefined): number | null => (seconds === undefined ? null : Math.round(seconds * 100_000) / 100);

  function reasons(latest: Map<string, number>, prior: Map<string, number> | undefined, span: number): CountByReason[] {
    return [...latest]
      .filter(([, total]) => total > 0)
      .map(([reason, total]) => ({ reason, total, perSecond: perSecond(total - (prior?.get(reason) ?? 0), span) }))
      .sort((a, b) => b.total - a.total);
  }

  function snapshot(): StatsSnapshot {
    const latest = samples[samples.length - 1];
    const at = now();
    const mem = process.memoryUsage.rss();
    if (latest === undefined) {
      return {
        at, uptimeSeconds: (at - startedAt) / 1000, rssBytes: mem, rateWindowSeconds: rateWindow,
        readings: { receivedPerSecond: 0, forwardedPerSecond: 0, receivedTotal: 0, forwardedTotal: 0 },
        connections: 0, bufferedReadings: 0, backpressure: false, sinkFatal: false, ackLatencyMs: null, shards: [],
        shardSkew: null, deadLetters: [], errors: [], spool: { entries: 0, bytes: 0, oldestAgeSeconds: 0 },
        history: { t: [], receivedPerSecond: [], forwardedPerSecond: [], connections: [], spoolEntries: [], ackP50Ms: [], ackP99Ms: [] },
      };
    }
    const prior = before(latest, rateWindow);
    const span = prior === undefined ? 0 : latest.at - prior.at;
    const ackPrior = before(latest, latencyWindow);
    const ackDelta = bucketDelta(ackPrior?.ack, latest.ack);
    const ackCount = ackDelta[ackDelta.length - 1]?.[1] ?? 0;

    const shards: ShardStats[] = [...latest.shards].map(([shard, s]) => {
      const p = prior?.shards.get(shard);
      return {
        shard,
        recordsPerSecond: perSecond(s.records - (p?.records ?? 0), span),
        readingsPerSecond: perSecond(s.readings - (p?.readings ?? 0), span),
        bytesPerSecond: perSecond(s.bytes - (p?.bytes ?? 0), span),
        throttledPerSecond: perSecond(s.throttled - (p?.throttled ?? 0), span),
        throttledTotal: s.throttled,
        rateFactor: latest.rateFactor.get(shard) ?? 1,
        share: 0,
      };
    });
    shards.sort((a, b) => a.shard.localeCompare(b.shard));
    const totalRate = shards.reduce((acc, s) => acc + s.readingsPerSecond, 0);
    for (const s of shards) s.share = totalRate > 0 ? s.readingsPerSecond / totalRate : 0;
    const busiest = shards.reduce((acc, s) => Math.max(acc, s.readingsPerSecond), 0);

    const history: StatsSnapshot['history'] = {
      t: [], receivedPerSecond: [], forwardedPerSecond: [], connections: [], spoolEntries: [], ackP50Ms: [], ackP99Ms: [],
    };
    for (let i = 1; i < samples.length; i++) {
      const s = samples[i] as Sample;
      const p = samples[i - 1] as Sample;
      const w = samples[Math.max(0, i - 5)] as Sample;
      const win = bucketDelta(w.ack, s.ack);
      history.t.push(Math.round((s.at - latest.at) / 100) / 10);
      history.receivedPerSecond.push(perSecond(s.received - p.received, s.at - p.at));
      history.forwardedPerSecond.push(perSecond(s.forwarded - p.forwarded, s.at - p.at));
      history.connections.push(s.connections);
      history.spoolEntries.push(s.spool.entries);
      history.ackP50Ms.push(ms(quantile(win, 0.5)));
      history.ackP99Ms.push(ms(quantile(win, 0.99)));
    }

    return {
      at,
      uptimeSeconds: (at - startedAt) / 1000,
      rssBytes: mem,
      rateWindowSeconds: rateWindow,
      readings: {
        receivedPerSecond: perSecond(latest.received - (prior?.received ?? latest.received), span),
        forwardedPerSecond: perSecond(latest.forwarded - (prior?.forwarded ?? latest.forwarded), span),
        receivedTotal: latest.received,
        forwardedTotal: latest.forwarded,
      },
      connections: latest.connections,
      bufferedReadings: latest.buffered,
      backpressure: latest.backpressure,
      sinkFatal: latest.sinkFatal,
      ackLatencyMs:
        ackCount === 0
          ? null
          : {
              p50: ms(quantile(ackDelta, 0.5)) ?? 0,
              p90: ms(quantile(ackDelta, 0.9)) ?? 0,
              p99: ms(quantile(ackDelta, 0.99)) ?? 0,
              count: ackCount,
              windowSeconds: ackPrior === undefined ? 0 : (latest.at - ackPrior.at) / 1000,
            },
      shards,
      shardSkew: totalRate > 0 && shards.length > 0 ? busiest / (totalRate / shards.length) : null,
      deadLetters: reasons(latest.deadLetters, prior?.deadLetters, span),
      errors: reasons(latest.errors, prior?.errors, span),
      spool: latest.spool,
      history,
    };
  }

  async function sample(): Promise<void> {
    if (sampling) return;
    sampling = true;
    try {
      samples.push(await take());
      if (samples.length > capacity) samples.shift();
    } finally {
      sampling = false;
    }
  }

  const timer = setInterval(() => void sample().catch(() => undefined), options.intervalMs ?? 1000);
  timer.unref();
  void sample().catch(() => undefined);
  return { snapshot, sample, close: () => clearInterval(timer) };
}
