/**
 * Messages between the fleet (main thread) and its worker threads. Plain data only: it crosses threads by
 * structured clone. A worker: builds its devices → `ready`; on `start` ramps them → `started`; posts `stats`
 * every period; posts `finished` when its devices are done; on `stop` drains and disconnects → final `stats`,
 * then `stopped`, and exits.
 */
import type { Catalog } from './catalog.js';
import type { ResolvedFleetOptions } from './options.js';
import type { DevicePlan } from './plan.js';
import type { Counters } from './stats.js';

export interface WorkerInput {
  /** When running from TypeScript sources: the worker module the tsx bootstrap imports. */
  entry?: string;
  source: number;
  plans: DevicePlan[];
  catalog: Catalog;
  options: ResolvedFleetOptions;
}

export type MainToWorker = { type: 'start' } | { type: 'stop' };

export type WorkerToMain =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'finished' }
  | { type: 'stats'; counters: Counters; latency: string; lastError: string | undefined }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
