/**
 * The devices of one thread: builds them from their plans, starts them at their ramp slots, and hands out
 * counters and latency deltas. Used directly for a single-threaded fleet, and inside each worker thread.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Histogram } from 'hdr-histogram-js';
import type { Catalog } from './catalog.js';
import { createConnectionFactory } from './connection.js';
import { createSimDevice, type SimDevice } from './device.js';
import type { AckHook, ResolvedFleetOptions } from './options.js';
import type { DevicePlan } from './plan.js';
import { createReadingSource } from './reading-source.js';
import { createCounters, createLatencyHistogram, type Counters } from './stats.js';

export interface LocalFleetSnapshot {
  counters: Counters;
  /** Latencies recorded since the previous snapshot (µs). */
  latency: Histogram;
  lastError: string | undefined;
}

export interface LocalFleet {
  /** Starts every device at its slot; resolves once each has connected or failed its first attempt. */
  start(): Promise<void>;
  /** Every device emitted all its ticks and drained (or was stopped). */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
  snapshot(): LocalFleetSnapshot;
}

/** Longest sleep of the ramp loop, so a stop() during the ramp is noticed promptly. */
const RAMP_MAX_SLEEP_MS = 50;
/** Shortest sleep: at high connection rates, start the devices of a few slots together rather than spin. */
const RAMP_MIN_SLEEP_MS = 4;

export function createLocalFleet(
  plans: readonly DevicePlan[],
  catalog: Catalog,
  options: ResolvedFleetOptions,
  onAck?: AckHook,
): LocalFleet {
  const counters = createCounters();
  let latency = createLatencyHistogram();
  let lastError: string | undefined;
  const connect = createConnectionFactory(options);
  const env = {
    options,
    counters,
    latency: () => latency,
    connect,
    noteError: (message: string) => (lastError = message),
    ...(onAck !== undefined ? { onAck } : {}),
  };
  const devices: SimDevice[] = plans.map((plan) => {
    const type = catalog.types[plan.type];
    if (type === undefined) throw new Error(`plan names unknown type ${plan.type}`); // planFleet checked the profile
    const source = createReadingSource({
      deviceId: plan.id,
      neighbourId: plan.neighbourId,
      type,
      seed: options.seed,
      anomalyRate: options.anomalyRate,
      anomalyKinds: options.anomalyKinds,
      badPayloadRate: options.badPayloadRate,
      badPayloadKinds: options.badPayloadKinds,
      oversizeBytes: options.oversizeBytes,
      ...(plan.home !== undefined ? { home: plan.home } : {}),
    });
    return createSimDevice(plan, source, env);
  });
  let stopping = false;

  return {
    async start() {
      const t0 = performance.now();
      const starts: Promise<boolean>[] = [];
      let i = 0;
      while (i < devices.length && !stopping) {
        const elapsed = performance.now() - t0;
        while (i < devices.length && plans[i]!.startOffsetMs <= elapsed) starts.push(devices[i++]!.start());
        if (i < devices.length) {
          const wait = plans[i]!.startOffsetMs - (performance.now() - t0);
          await sleep(Math.min(Math.max(wait, RAMP_MIN_SLEEP_MS), RAMP_MAX_SLEEP_MS));
        }
      }
      await Promise.all(starts);
    },
    finished: Promise.all(devices.map((d) => d.finished)).then(() => undefined),
    async stop() {
      stopping = true;
      await Promise.all(devices.map((d) => d.stop(options.drainTimeoutMs)));
    },
    snapshot() {
      const out = latency;
      latency = createLatencyHistogram();
      let pending = 0;
      for (const d of devices) pending += d.pending();
      return { counters: { ...counters, pending }, latency: out, lastError };
    },
  };
}
