/**
 * Worker-thread entry: owns a share of the device connections so that several cores can
 * generate load. Protocol with run.ts: connect everything → post `connected` → wait for
 * `start` (or `abort`) → run → post `done` → close sockets and let the thread exit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceConnection } from './connection.js';
import type { ConnectionResult } from './connection.js';
import { createLatencyHistogram, encodeLatency } from './histogram.js';
import type { EncodedLatency } from './histogram.js';

/** Everything a worker needs; plain data so it survives structured cloning. */
export interface WorkerConfig {
  host: string;
  port: number;
  qos: 0 | 1;
  inflight: number;
  payloadBytes: number;
  ratePerConnection?: number;
  durationMs?: number;
  messagesPerConnection?: number;
  /** This worker's share of the global connect rate. */
  connectRatePerSecond?: number;
  keepaliveSec: number;
  username?: string;
  password?: string;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
  /** Per connection: delay of its rate schedule (see RunLimits.startOffsetMs). */
  connections: ReadonlyArray<{ clientId: string; localAddress?: string; startOffsetMs?: number }>;
}

export type MainToWorker = { type: 'start' } | { type: 'abort' };

export type WorkerToMain =
  | { type: 'connected'; startedAt: number; finishedAt: number }
  | { type: 'connectFailed'; error: string }
  | {
      type: 'done';
      sent: number;
      acked: number;
      errors: number;
      lastError?: string;
      startedAt: number;
      finishedAt: number;
      latency: EncodedLatency;
      /** Busy fraction (0–1) of this worker's event loop during the run. */
      eventLoopUtilization: number;
    };

const epochNow = (): number => performance.timeOrigin + performance.now();

function post(port: NonNullable<typeof parentPort>, message: WorkerToMain): void {
  port.postMessage(message);
}

async function connectAll(config: WorkerConfig, connections: DeviceConnection[]): Promise<string | undefined> {
  const pending: Array<Promise<void>> = [];
  const rate = config.connectRatePerSecond;
  const started = performance.now();
  for (let i = 0; i < connections.length; i++) {
    if (rate !== undefined) {
      // Paced from a fixed start so timer lateness does not accumulate.
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
    }
    pending.push((connections[i] as DeviceConnection).connect());
  }
  const settled = await Promise.allSettled(pending);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  const first = failures[0];
  if (first === undefined) return undefined;
  const reason = first.reason instanceof Error ? first.reason.message : String(first.reason);
  return `${failures.length} of ${connections.length} connections failed; first: ${reason}`;
}

function summarise(results: ConnectionResult[]): Pick<Extract<WorkerToMain, { type: 'done' }>, 'sent' | 'acked' | 'errors' | 'lastError'> {
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let lastError: string | undefined;
  for (const r of results) {
    sent += r.sent;
    acked += r.acked;
    errors += r.errors;
    if (r.lastError !== undefined) lastError = r.lastError;
  }
  return { sent, acked, errors, ...(lastError === undefined ? {} : { lastError }) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('worker.ts must run in a worker thread');
  const config = (workerData as { config: WorkerConfig }).config;
  const latency = createLatencyHistogram();
  const connections = config.connections.map((c) => new DeviceConnection({
    host: config.host,
    port: config.port,
    clientId: c.clientId,
    qos: config.qos,
    inflight: config.inflight,
    payloadBytes: config.payloadBytes,
    keepaliveSec: config.keepaliveSec,
    connectTimeoutMs: config.connectTimeoutMs,
    latency,
    ...(config.ratePerConnection === undefined ? {} : { ratePerSecond: config.ratePerConnection }),
    ...(c.localAddress === undefined ? {} : { localAddress: c.localAddress }),
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
  }));
  const closeAll = (): Promise<unknown> => Promise.allSettled(connections.map((c) => c.close()));

  const connectStartedAt = epochNow();
  const failure = await connectAll(config, connections);
  if (failure !== undefined) {
    post(port, { type: 'connectFailed', error: failure });
    await closeAll();
    return;
  }
  post(port, { type: 'connected', startedAt: connectStartedAt, finishedAt: epochNow() });

  const command = await new Promise<MainToWorker>((resolve) => port.once('message', resolve));
  if (command.type === 'abort') {
    await closeAll();
    return;
  }
  const eluStart = performance.eventLoopUtilization();
  const results = await Promise.all(connections.map((c, i) => c.run({
    drainTimeoutMs: config.drainTimeoutMs,
    startOffsetMs: config.connections[i]?.startOffsetMs ?? 0,
    ...(config.durationMs === undefined ? {} : { durationMs: config.durationMs }),
    ...(config.messagesPerConnection === undefined ? {} : { messages: config.messagesPerConnection }),
  })));
  const elu = performance.eventLoopUtilization(eluStart).utilization;
  post(port, {
    type: 'done',
    ...summarise(results),
    // reduce, not Math.min(...spread): spreading 100k+ results overflows the argument limit.
    startedAt: results.reduce((t, r) => Math.min(t, r.startedAt), Number.POSITIVE_INFINITY),
    finishedAt: results.reduce((t, r) => Math.max(t, r.finishedAt), 0),
    latency: encodeLatency(latency),
    eventLoopUtilization: elu,
  });
  await closeAll();
}

await main();
