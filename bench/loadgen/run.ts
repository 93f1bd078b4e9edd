/**
 * `runLoad()`: spreads device connections over worker threads, starts them together once
 * all are connected, and merges counters, latency histograms and the generator's own CPU.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { mergeLatency, summaryMs } from './histogram.js';
import type { LatencySummaryMs } from './histogram.js';
import type { MainToWorker, WorkerConfig, WorkerToMain } from './worker.js';

/** Options for {@link runLoad}. */
export interface LoadOptions {
  /** Broker host. Default: 127.0.0.1. */
  host?: string;
  /** Broker port. Default: 1883. */
  port?: number;
  /** Number of simulated devices. Default: 10. */
  connections?: number;
  /** Publish QoS. Default: 1. */
  qos?: 0 | 1;
  /** Sending time per connection. Default: 10000 ms unless `messagesPerConnection` is set. */
  durationMs?: number;
  /** Stop each connection after this many messages. Default: unlimited. */
  messagesPerConnection?: number;
  /** QoS 1 window of unacknowledged publishes per connection. Default: 50. */
  inflight?: number;
  /** JSON payload size in bytes. Default: 150. */
  payloadBytes?: number;
  /** Target messages/s per connection. Default: unlimited (as fast as the broker allows). */
  ratePerConnection?: number;
  /** Client ids are `${clientIdPrefix}-${index}`. Default: "loadgen". */
  clientIdPrefix?: string;
  /** Worker threads generating load. Default: 1. */
  workers?: number;
  /** New connections per second across all workers. Default: unlimited. */
  connectRatePerSecond?: number;
  /** Source addresses assigned round-robin, e.g. ["127.0.0.2","127.0.0.3"]. Default: OS choice. */
  localAddresses?: readonly string[];
  /**
   * With `ratePerConnection`: spread the connections' phases evenly over one period (device i starts
   * i/N of a period late), as an unsynchronised fleet publishes, instead of every device at once. Default: false.
   */
  spreadPhases?: boolean;
  /** MQTT keep-alive in seconds. Default: 60. */
  keepaliveSec?: number;
  /** Default: none. */
  username?: string;
  /** Default: none. */
  password?: string;
  /** Per-connection TCP connect + CONNACK timeout. Default: 10000 ms. */
  connectTimeoutMs?: number;
  /** Wait for outstanding PUBACKs / PINGRESP after sending stops. Default: 10000 ms. */
  drainTimeoutMs?: number;
  /**
   * Called when all connections are up and publishing starts, and again when the last one
   * finishes, so callers can sample e.g. the broker's CPU over exactly the measured window.
   * Not passed to workers. Default: none.
   */
  onRunStart?: () => void;
  /**
   * Awaited once every connection is up and before publishing starts (e.g. to measure the broker's memory
   * with the fleet connected and idle). Not passed to workers. Default: none.
   */
  onConnected?: () => Promise<void>;
  onRunEnd?: () => void;
}

/** Result of {@link runLoad}. */
export interface LoadResult {
  sent: number;
  acked: number;
  errors: number;
  lastError?: string;
  /** From the first connect attempt to the last CONNACK. */
  connectMs: number;
  /** From the first publish until the last PUBACK (QoS 1) or PINGRESP barrier (QoS 0). */
  durationMs: number;
  /** Acknowledged (QoS 1) or sent-and-read-by-broker (QoS 0) messages per second. */
  throughputPerSec: number;
  /** QoS 1 publish→PUBACK latency; null for QoS 0. */
  latencyMs: LatencySummaryMs | null;
  /**
   * CPU of the whole generator process (all threads) during the run. It includes a broker
   * only if one runs in the same process, so benchmarks run the broker elsewhere.
   */
  generatorCpu: {
    userMs: number;
    systemMs: number;
    percentOfOneCore: number;
    /** Per worker busy fraction (0–1); near 1 means the generator, not the broker, is the limit. */
    eventLoopUtilization: number[];
  };
}

/** Defaults shared with the CLI help text. */
export const LOAD_DEFAULTS = {
  host: '127.0.0.1',
  port: 1883,
  connections: 10,
  qos: 1,
  durationMs: 10_000,
  inflight: 50,
  payloadBytes: 150,
  clientIdPrefix: 'loadgen',
  workers: 1,
  keepaliveSec: 60,
  connectTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
} as const;

type Done = Extract<WorkerToMain, { type: 'done' }>;
type Connected = Extract<WorkerToMain, { type: 'connected' }>;

/** One worker plus promises for each protocol step; any early exit or error rejects them. */
interface WorkerHandle {
  worker: Worker;
  connected: Promise<Connected>;
  done: Promise<Done>;
  exited: Promise<void>;
}

function spawn(config: WorkerConfig): WorkerHandle {
  const here = import.meta.url;
  // Under tsx/vitest this file is .ts and workers need the tsx hooks; compiled builds ship worker.js.
  const worker = here.endsWith('.ts')
    ? new Worker(new URL('./worker-tsx-bootstrap.mjs', here), {
        workerData: { config, entry: new URL('./worker.ts', here).href },
      })
    : new Worker(new URL('./worker.js', here), { workerData: { config } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // Any error, a failed connect or an early exit rejects whichever step is still awaited.
  const failed = new Promise<never>((_, reject) => {
    worker.on('error', reject);
    worker.on('message', (m: WorkerToMain) => void (m.type === 'connectFailed' && reject(new Error(m.error))));
    worker.once('exit', (code) => reject(new Error(`load worker exited (code ${code}) before finishing`)));
  });
  const step = <T extends WorkerToMain['type']>(type: T): Promise<Extract<WorkerToMain, { type: T }>> => {
    const reached = new Promise<Extract<WorkerToMain, { type: T }>>((resolve) => {
      worker.on('message', (m: WorkerToMain) => void (m.type === type && resolve(m as Extract<WorkerToMain, { type: T }>)));
    });
    const out = Promise.race([reached, failed]);
    // Rejections are observed through Promise.all in runLoad; this stops "unhandled" noise for the other step.
    out.catch(() => {});
    return out;
  };
  return { worker, connected: step('connected'), done: step('done'), exited };
}

function buildConfigs(o: Required<Pick<LoadOptions, 'connections' | 'workers'>> & LoadOptions): WorkerConfig[] {
  const workers = Math.min(o.workers, o.connections);
  const prefix = o.clientIdPrefix ?? LOAD_DEFAULTS.clientIdPrefix;
  const shares: Array<Array<WorkerConfig['connections'][number]>> = Array.from({ length: workers }, () => []);
  const period = o.ratePerConnection === undefined ? 0 : 1000 / o.ratePerConnection;
  for (let i = 0; i < o.connections; i++) {
    const localAddress = o.localAddresses?.[i % o.localAddresses.length];
    const startOffsetMs = o.spreadPhases === true ? (i / o.connections) * period : 0;
    shares[i % workers]?.push({
      clientId: `${prefix}-${i}`,
      ...(localAddress === undefined ? {} : { localAddress }),
      ...(startOffsetMs > 0 ? { startOffsetMs } : {}),
    });
  }
  const durationMs = o.durationMs ?? (o.messagesPerConnection === undefined ? LOAD_DEFAULTS.durationMs : undefined);
  return shares.map((connections) => ({
    host: o.host ?? LOAD_DEFAULTS.host,
    port: o.port ?? LOAD_DEFAULTS.port,
    qos: o.qos ?? LOAD_DEFAULTS.qos,
    inflight: o.inflight ?? LOAD_DEFAULTS.inflight,
    payloadBytes: o.payloadBytes ?? LOAD_DEFAULTS.payloadBytes,
    keepaliveSec: o.keepaliveSec ?? LOAD_DEFAULTS.keepaliveSec,
    connectTimeoutMs: o.connectTimeoutMs ?? LOAD_DEFAULTS.connectTimeoutMs,
    drainTimeoutMs: o.drainTimeoutMs ?? LOAD_DEFAULTS.drainTimeoutMs,
    connections,
    ...(o.ratePerConnection === undefined ? {} : { ratePerConnection: o.ratePerConnection }),
    ...(o.messagesPerConnection === undefined ? {} : { messagesPerConnection: o.messagesPerConnection }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(o.connectRatePerSecond === undefined ? {} : { connectRatePerSecond: o.connectRatePerSecond / workers }),
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
  }));
}

function validate(o: LoadOptions): void {
  const positiveInt = (name: string, v: number | undefined): void => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt('connections', o.connections);
  positiveInt('workers', o.workers);
  positiveInt('inflight', o.inflight);
  positiveInt('messagesPerConnection', o.messagesPerConnection);
  if (o.qos !== undefined && o.qos !== 0 && o.qos !== 1) throw new RangeError(`qos must be 0 or 1, got ${String(o.qos)}`);
  for (const [name, v] of [['durationMs', o.durationMs], ['ratePerConnection', o.ratePerConnection], ['connectRatePerSecond', o.connectRatePerSecond]] as const) {
    if (v !== undefined && !(v > 0)) throw new RangeError(`${name} must be > 0, got ${v}`);
  }
}

/** Runs one load test; rejects if any connection cannot connect (a partial fleet is not a valid benchmark). */
export async function runLoad(options: LoadOptions = {}): Promise<LoadResult> {
  validate(options);
  const configs = buildConfigs({ ...options, connections: options.connections ?? LOAD_DEFAULTS.connections, workers: options.workers ?? LOAD_DEFAULTS.workers });
  const handles = configs.map(spawn);
  const stopAll = async (): Promise<void> => {
    for (const h of handles) h.worker.postMessage({ type: 'abort' } satisfies MainToWorker);
    const timeout = setTimeout(() => handles.forEach((h) => void h.worker.terminate()), 5_000);
    await Promise.all(handles.map((h) => h.exited));
    clearTimeout(timeout);
  };
  try {
    const connected = await Promise.all(handles.map((h) => h.connected));
    await options.onConnected?.();
    options.onRunStart?.();
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    for (const h of handles) h.worker.postMessage({ type: 'start' } satisfies MainToWorker);
    const done = await Promise.all(handles.map((h) => h.done));
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - wallStart;
    options.onRunEnd?.();
    await Promise.all(handles.map((h) => h.exited));
    return summarise(options.qos ?? LOAD_DEFAULTS.qos, connected, done, cpu, wallMs);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function summarise(qos: 0 | 1, connected: Connected[], done: Done[], cpu: NodeJS.CpuUsage, wallMs: number): LoadResult {
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let lastError: string | undefined;
  for (const d of done) {
    sent += d.sent;
    acked += d.acked;
    errors += d.errors;
    lastError = d.lastError ?? lastError;
  }
  const latency = mergeLatency(done.map((d) => d.latency));
  const span = (items: Array<{ startedAt: number; finishedAt: number }>): number =>
    items.reduce((t, i) => Math.max(t, i.finishedAt), 0) - items.reduce((t, i) => Math.min(t, i.startedAt), Number.POSITIVE_INFINITY);
  const durationMs = span(done);
  const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;
  return {
    sent,
    acked,
    errors,
    ...(lastError === undefined ? {} : { lastError }),
    connectMs: round(span(connected)),
    durationMs: round(durationMs),
    throughputPerSec: round(((qos === 1 ? acked : sent) * 1000) / Math.max(durationMs, 1e-3), 0),
    latencyMs: qos === 1 ? summaryMs(latency.histogram, latency.maxNs) : null,
    generatorCpu: {
      userMs: round(cpu.user / 1000),
      systemMs: round(cpu.system / 1000),
      percentOfOneCore: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
      eventLoopUtilization: done.map((d) => round(d.eventLoopUtilization, 3)),
    },
  };
}
