/**
 * Runs the fleet's shares in worker threads (one core cannot drive 10,000 MQTT.js clients at 1 reading/s each
 * alongside everything else). Workers push counters and latency deltas every period; a crash of any worker fails
 * the fleet rather than silently shrinking it.
 */
import { Worker } from 'node:worker_threads';
import type { Catalog } from './catalog.js';
import { SimError } from './errors.js';
import type { ResolvedFleetOptions } from './options.js';
import type { DevicePlan } from './plan.js';
import { decodeHistogram, type StatsAggregator } from './stats.js';
import type { MainToWorker, WorkerInput, WorkerToMain } from './worker-protocol.js';

/** What the fleet needs from whatever runs its devices. */
export interface FleetBackend {
  start(): Promise<void>;
  readonly finished: Promise<void>;
  stop(): Promise<void>;
  /** Pulls fresh numbers into the aggregator (workers push theirs; the in-thread backend is pulled). */
  poll(): void;
}

type Signal = Exclude<WorkerToMain['type'], 'stats' | 'failed'>;

interface Handle {
  worker: Worker;
  post(m: MainToWorker): void;
  when(signal: Signal): Promise<void>;
}

function spawn(input: WorkerInput, aggregator: StatsAggregator, onFailure: (err: Error) => void): Handle {
  // Compiled: dist/device-sim/worker.js. From sources (tsx, vitest): a JS bootstrap registers tsx first.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  const worker = fromSource
    ? new Worker(new URL('./worker-tsx.mjs', import.meta.url), { workerData: { ...input, entry: entry.href } })
    : new Worker(entry, { workerData: input });
  const arrived = new Set<Signal>();
  const waiting = new Map<Signal, { resolve: () => void; reject: (err: Error) => void }[]>();
  let failure: Error | undefined;
  let stopped = false;
  const fail = (err: Error): void => {
    if (failure !== undefined) return;
    failure = err;
    for (const list of waiting.values()) for (const w of list) w.reject(err);
    waiting.clear();
    onFailure(err);
  };
  worker.on('message', (m: WorkerToMain) => {
    if (m.type === 'stats') return aggregator.ingest(input.source, m.counters, decodeHistogram(m.latency), m.lastError);
    if (m.type === 'failed') return fail(new SimError('SIM_ERR_WORKER', `worker ${input.source} failed: ${m.message}`));
    if (m.type === 'stopped') stopped = true;
    arrived.add(m.type);
    for (const w of waiting.get(m.type) ?? []) w.resolve();
    waiting.delete(m.type);
  });
  worker.on('error', (err) => fail(new SimError('SIM_ERR_WORKER', `worker ${input.source} crashed: ${err.message}`, { cause: err })));
  worker.on('exit', (code) => {
    if (!stopped) fail(new SimError('SIM_ERR_WORKER', `worker ${input.source} exited early (code ${code})`));
  });
  return {
    worker,
    post: (m) => worker.postMessage(m),
    when(signal) {
      if (failure !== undefined) return Promise.reject(failure);
      if (arrived.has(signal)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const list = waiting.get(signal) ?? [];
        list.push({ resolve, reject });
        waiting.set(signal, list);
      });
    },
  };
}

export async function startWorkerBackend(
  shares: readonly DevicePlan[][],
  catalog: Catalog,
  options: ResolvedFleetOptions,
  aggregator: StatsAggregator,
): Promise<FleetBackend> {
  let failed: ((err: Error) => void) | undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => undefined); // observed through the promises below
  const handles = shares.map((plans, source) => spawn({ source, plans, catalog, options }, aggregator, (err) => failed?.(err)));
  const all = (signal: Signal): Promise<void> =>
    Promise.race([Promise.all(handles.map((h) => h.when(signal))).then(() => undefined), failure]);
  try {
    await all('ready');
  } catch (err) {
    await Promise.all(handles.map((h) => h.worker.terminate()));
    throw err;
  }
  const finished = all('finished');
  finished.catch(() => undefined); // a failure also surfaces through start() and stop()
  return {
    async start() {
      for (const h of handles) h.post({ type: 'start' });
      await all('started');
    },
    finished,
    async stop() {
      for (const h of handles) h.post({ type: 'stop' });
      try {
        await all('stopped');
      } finally {
        await Promise.all(handles.map((h) => h.worker.terminate()));
      }
    },
    poll: () => undefined,
  };
}
