/**
 * `createFleet`: the library entry. Plans the devices, runs them in this thread or in worker threads, and turns
 * their counters and latency histograms into `FleetStats`, including the memory each simulated device costs.
 */
import { performance } from 'node:perf_hooks';
import type { Catalog } from './catalog.js';
import { usageError } from './errors.js';
import { createLocalFleet } from './local-fleet.js';
import { catalogOf, resolveFleetOptions, type FleetOptions, type ResolvedFleetOptions } from './options.js';
import { planDeviceIds, planFleet, splitPlan } from './plan.js';
import { createStatsAggregator, summariseLatency, type Counters, type LatencySummary } from './stats.js';
import { startWorkerBackend, type FleetBackend } from './worker-pool.js';

export interface FleetStats extends Counters {
  devices: number;
  workers: number;
  /** The seed in use: pass it back as `seed` to replay the same readings. */
  seed: string | number;
  /** publish→PUBACK of every acknowledged reading so far. */
  latency: LatencySummary;
  /** The same over the last stats period (about a second). */
  recentLatency: LatencySummary;
  /** From start() until every device finished, or stop() was called; so far while running. */
  durationS: number;
  /** From start() until every device connected or failed its first attempt; null before that. */
  connectTimeS: number | null;
  /** Highest resident set size seen (whole process, worker threads included). */
  rssBytes: number;
  /** Resident set size when start() was called. */
  rssBaselineBytes: number;
  /** (rssBytes - rssBaselineBytes) / devices. */
  rssPerDeviceBytes: number;
  lastError: string | undefined;
}

export interface Fleet {
  /** Connects every device at the ramp's pace; resolves once each connected or failed its first attempt. */
  start(): Promise<void>;
  /** Resolves when every device emitted its `count` / `durationS` and drained; never without either. */
  finished(): Promise<void>;
  /** Stops emitting, waits up to `drainTimeoutMs` for acknowledgements, disconnects, and reports. */
  stop(): Promise<FleetStats>;
  stats(): FleetStats;
  readonly options: Readonly<ResolvedFleetOptions>;
  readonly catalog: Catalog;
  readonly deviceIds: readonly string[];
}

/** The ids of the devices `createFleet(input)` would simulate, in plan order; nothing connects, no secret is needed. */
export function fleetDeviceIds(input: FleetOptions = {}): string[] {
  return planDeviceIds(resolveFleetOptions(input, catalogOf(input)));
}

export function createFleet(input: FleetOptions = {}): Fleet {
  const catalog = catalogOf(input);
  const options = resolveFleetOptions(input, catalog);
  const plans = planFleet(options, catalog, input.secrets);
  const aggregator = createStatsAggregator(options.workers);
  let backend: FleetBackend | undefined;
  let starting: Promise<void> | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let t0: number | undefined;
  let tConnected: number | undefined;
  let tEnded: number | undefined;
  let rssBaseline = 0;
  let rssPeak = 0;
  let stopped: Promise<FleetStats> | undefined;

  const sampleRss = (): void => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  };
  const tick = (): void => {
    backend?.poll();
    aggregator.rotate();
    sampleRss();
  };

  const stats = (): FleetStats => {
    backend?.poll();
    const now = performance.now();
    const counters = aggregator.counters();
    return {
      ...counters,
      devices: options.devices,
      workers: options.workers,
      seed: options.seed,
      latency: summariseLatency(aggregator.total),
      recentLatency: summariseLatency(aggregator.recent),
      durationS: t0 === undefined ? 0 : round3(((tEnded ?? now) - t0) / 1000),
      connectTimeS: t0 === undefined || tConnected === undefined ? null : round3((tConnected - t0) / 1000),
      rssBytes: rssPeak,
      rssBaselineBytes: rssBaseline,
      rssPerDeviceBytes: Math.round(Math.max(0, rssPeak - rssBaseline) / options.devices),
      lastError: aggregator.lastError,
    };
  };

  return {
    options,
    catalog,
    deviceIds: plans.map((p) => p.id),
    start() {
      if (starting !== undefined) throw usageError('this fleet was started already');
      starting = (async () => {
        rssBaseline = process.memoryUsage.rss();
        rssPeak = rssBaseline;
        t0 = performance.now();
        backend =
          options.workers === 1
            ? inThread(createLocalFleet(plans, catalog, options, input.onAck), aggregator)
            : await startWorkerBackend(splitPlan(plans, options.workers), catalog, options, aggregator);
        ticker = setInterval(tick, options.statsIntervalMs);
        await backend.start();
        tConnected = performance.now();
        sampleRss();
      })();
      return starting;
    },
    async finished() {
      if (starting === undefined) throw usageError('start() the fleet first');
      await starting;
      await backend?.finished;
      tEnded ??= performance.now();
    },
    stop() {
      stopped ??= (async () => {
        // A stop during start (Ctrl-C in the ramp) still stops what was started.
        await starting?.catch(() => undefined);
        tEnded ??= performance.now();
        sampleRss();
        try {
          await backend?.stop();
        } finally {
          clearInterval(ticker);
        }
        return stats();
      })();
      return stopped;
    },
    stats,
  };
}

function inThread(local: ReturnType<typeof createLocalFleet>, aggregator: ReturnType<typeof createStatsAggregator>): FleetBackend {
  return {
    start: () => local.start(),
    finished: local.finished,
    stop: () => local.stop(),
    poll() {
      const s = local.snapshot();
      aggregator.ingest(0, s.counters, s.latency, s.lastError);
    },
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
