/**
 * The stub Kinesis endpoint (stack/kinesis-faults) in this process: it is cheap next to the gateway,
 * and keeping it here lets the scripts read its counters directly. Registered for cleanup.
 */
import { startKinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import type { KinesisEndpoint, KinesisEndpointStats, ThrottleOptions } from '../../stack/kinesis-faults/index.js';
import { trackCloser } from './cleanup.js';

export const STREAM = 'telemetry';
/** Kinesis per-shard write limits (streams quotas page): 1,000 records/s and 1 MiB/s. */
export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1024 * 1024;
export const AWS_THROTTLE: ThrottleOptions = {
  recordsPerSecond: SHARD_RECORDS_PER_SECOND,
  bytesPerSecond: SHARD_BYTES_PER_SECOND,
  burstSeconds: 1,
};

export interface StubOptions {
  shards: number;
  /** Keep records so they can be read back (GetRecords). */
  retain: boolean;
  throttle?: ThrottleOptions;
}

export interface Stub {
  readonly endpoint: KinesisEndpoint;
  readonly url: string;
  close(): Promise<void>;
}

export async function startStub(options: StubOptions): Promise<Stub> {
  const endpoint = await startKinesisEndpoint({ streams: [{ name: STREAM, shardCount: options.shards }], retain: options.retain });
  const untrack = trackCloser(() => endpoint.close());
  if (options.throttle !== undefined) endpoint.throttle(options.throttle);
  return {
    endpoint,
    url: endpoint.endpoint,
    async close() {
      untrack();
      await endpoint.close();
    },
  };
}

export const THROTTLED = 'ProvisionedThroughputExceededException';

export function throttledEntries(stats: KinesisEndpointStats): number {
  return stats.entriesFailed[THROTTLED] ?? 0;
}

/** Timestamped stats snapshots taken every `intervalMs`, for per-second timelines and steady-state windows. */
export class StatsRecorder {
  readonly samples: Array<{ at: number; stats: KinesisEndpointStats }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly endpoint: KinesisEndpoint) {}

  start(intervalMs = 1000): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops sampling and takes a last sample; a second call does nothing. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  sample(): void {
    this.samples.push({ at: performance.now(), stats: this.endpoint.stats() });
  }

  /** Accepted bytes/s, accepted entries/s and throttled entries/s between consecutive samples. */
  timeline(): Array<{ t: number; bytesPerSec: number; entriesPerSec: number; throttledPerSec: number }> {
    const first = this.samples[0];
    if (first === undefined) return [];
    const out = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1] as (typeof this.samples)[number];
      const b = this.samples[i] as (typeof this.samples)[number];
      const dt = (b.at - a.at) / 1000;
      if (dt <= 0.05) continue;
      out.push({
        t: (b.at - first.at) / 1000,
        bytesPerSec: (b.stats.bytesAccepted - a.stats.bytesAccepted) / dt,
        entriesPerSec: (b.stats.entriesAccepted - a.stats.entriesAccepted) / dt,
        throttledPerSec: (throttledEntries(b.stats) - throttledEntries(a.stats)) / dt,
      });
    }
    return out;
  }

  /** Accepted bytes/s between the first sample at or after `from` and the last at or before `to` (performance.now()). */
  bytesPerSecBetween(from: number, to: number): number | undefined {
    const a = this.samples.find((s) => s.at >= from);
    const b = [...this.samples].reverse().find((s) => s.at <= to);
    if (a === undefined || b === undefined || b.at - a.at < 1000) return undefined;
    return ((b.stats.bytesAccepted - a.stats.bytesAccepted) * 1000) / (b.at - a.at);
  }
}
