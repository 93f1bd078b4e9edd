/**
 * One measured run through the real gateway: start it (pinned), drive a load through it (the MQTT load generator,
 * autocannon, real MQTT clients), sample the gateway's CPU over the load's window, poll /metrics for a
 * forwarded-readings timeline, wait until forwarding stops rising, and stop it. The Kinesis endpoint is a fresh
 * stub (and a stub Firehose endpoint for `--sink firehose`), the embedded server, or the caller's own, to read back.
 */
import { performance } from 'node:perf_hooks';
import { runLoad } from '../loadgen/run.js';
import type { LoadOptions, LoadResult } from '../loadgen/run.js';
import { startFirehoseStub } from './firehose-stub.js';
import { startGatewayProcess } from './gateway-process.js';
import type { GatewayProcess, GatewayProcessOptions, LogSummary } from './gateway-process.js';
import { histogramQuantile, scrape } from './prom.js';
import type { Metrics } from './prom.js';
import { CoreWindow, CpuWindow, processMemory, waitForQuiet } from './proc.js';
import type { QuietResult } from './proc.js';
import { startStub } from './stub.js';

export const FORWARDED = 'tidegate_readings_forwarded_total';
export const BUFFERED = 'tidegate_bridge_buffered_readings';

/** Load generator options; host, port and the window callbacks are filled in by {@link mqttLoad}. */
export type LoadSpec = Omit<LoadOptions, 'host' | 'port' | 'onRunStart' | 'onRunEnd' | 'onConnected'>;

/** The measured window of a load: `start()` at its first request, `end()` after its last answer. */
export interface LoadWindow {
  start(): void;
  end(): void;
}

/** Drives a load through the started gateway and resolves with what the load itself measured. */
export type Drive<R> = (gateway: GatewayProcess, window: LoadWindow) => Promise<R>;

/** The MQTT load generator (bench/loadgen) against the gateway's MQTT port; `onConnected` as in {@link LoadOptions}. */
export function mqttLoad(load: LoadSpec, onConnected?: (pid: number) => Promise<void>): Drive<LoadResult> {
  return (gateway, window) =>
    runLoad({
      ...load,
      port: gateway.mqttPort,
      ...(onConnected === undefined ? {} : { onConnected: () => onConnected(gateway.pid) }),
      onRunStart: window.start,
      onRunEnd: window.end,
    });
}

export interface GatewayRunOptions<R> {
  /**
   * Shards of a fresh, unthrottled stub Kinesis endpoint that keeps no records (the gateway also gets `--shards N`).
   * Without it: `kinesisEndpoint`, or else the gateway's embedded Kinesis server.
   */
  shards?: number;
  kinesisEndpoint?: string;
  /** `firehose`: also a stub Firehose endpoint, and `--sink firehose` pointing at it. Default kinesis. */
  sink?: 'kinesis' | 'firehose';
  /** Run the local delivery runner and embedded S3. Default false. */
  delivery?: boolean;
  /** Further gateway flags. */
  args?: readonly string[];
  /** CPU to pin the gateway to; undefined: not pinned. */
  cpu: number | undefined;
  drive: Drive<R>;
  /** Sending time, for the steady-state rate. Default: the load's window. */
  sendMs?: number;
  /** Grace between SIGTERM and SIGKILL at the end. Default 3 s. */
  stopGraceMs?: number;
  /** /metrics poll interval. Default 500 ms. */
  pollMs?: number;
  /** Give up waiting for the gateway to finish forwarding after this long. Default 120 s. */
  drainMaxMs?: number;
  /** Steady-state rate excludes the first part of the window (the rate limiter's initial 1 s burst). Default 2 s. */
  steadyFromMs?: number;
  /** Called at the first publish, e.g. to start the endpoint's own recorder. */
  onRunStart?: () => void;
  /** Awaited once the gateway is up, before any device connects (e.g. to sample its memory). */
  onGatewayStarted?: (pid: number) => Promise<void>;
  /** Wait for a quiet machine before starting (shared machines). Default true. */
  waitForQuiet?: boolean;
}

export interface Poll {
  /** ms since the first publish (negative before it). */
  t: number;
  forwarded: number;
  buffered: number;
}

export interface GatewayRunResult<R = LoadResult> {
  /** What the load measured. */
  load: R;
  /** Gateway CPU, percent of one core, over the load generator's window. */
  cpuPercent: number | undefined;
  /** When pinned: how busy the gateway's core was in total over the window (others = this − cpuPercent). */
  coreBusyPercent: number | undefined;
  /** When pinned: busy percent of this process's core, and this process's own CPU (generator + stub) over the window. */
  benchCoreBusyPercent: number | undefined;
  benchCpuPercent: number | undefined;
  /** The machine-quiet check before the run. */
  quiet: QuietResult | undefined;
  /** Resident set at the end of the window, and the peak over the gateway's life, bytes. */
  rssBytes: number | undefined;
  peakRssBytes: number | undefined;
  /** Readings forwarded during the generator's window, and per second over it. */
  forwardedInWindow: number;
  forwardedPerSec: number;
  /** Forwarded/s from `steadyFromMs` to the end of sending; undefined for windows too short. */
  steadyForwardedPerSec: number | undefined;
  /** All readings forwarded once forwarding stopped rising. */
  forwardedTotal: number;
  /** From the first publish to the last rise of the forwarded counter, ms. */
  lastRiseMs: number;
  /** True if readings were still buffered when the drain wait gave up. */
  drainTimedOut: boolean;
  /** Longest time with readings buffered but the forwarded counter not rising, during the run, ms. */
  longestStallMs: number;
  /** Gateway's own receive→sink-ack latency (histogram, coarse buckets), ms. */
  gatewayAckP50Ms: number | undefined;
  gatewayAckP99Ms: number | undefined;
  polls: Poll[];
  metricsAfter: Metrics;
  logs: LogSummary;
  /** Set when the gateway process ended by itself (a crash). */
  crashed: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runThroughGateway<R>(options: GatewayRunOptions<R>): Promise<GatewayRunResult<R>> {
  const kinesis = options.shards === undefined ? undefined : await startStub({ shards: options.shards, retain: false });
  try {
    const firehose = options.sink === 'firehose' ? await startFirehoseStub() : undefined;
    try {
      return await measure(options, {
        kinesisEndpoint: kinesis?.url ?? options.kinesisEndpoint,
        delivery: options.delivery ?? false,
        args: [
          ...(options.shards === undefined ? [] : ['--shards', String(options.shards)]),
          ...(firehose === undefined ? [] : ['--sink', 'firehose', '--firehose-endpoint', firehose.url]),
          ...(options.args ?? []),
        ],
        cpu: options.cpu,
      });
    } finally {
      await firehose?.close();
    }
  } finally {
    await kinesis?.close();
  }
}

async function measure<R>(options: GatewayRunOptions<R>, launch: GatewayProcessOptions): Promise<GatewayRunResult<R>> {
  const quiet = options.waitForQuiet === false ? undefined : await waitForQuiet();
  const gateway = await startGatewayProcess(launch);
  const pollMs = options.pollMs ?? 500;
  const cpu = new CpuWindow(gateway.pid);
  const core = options.cpu === undefined ? undefined : new CoreWindow(options.cpu);
  // Pinned runs put this process on the other core of a two-core pair.
  const benchCore = options.cpu === undefined ? undefined : new CoreWindow(options.cpu === 0 ? 1 : 0);
  let benchCpuAt = process.cpuUsage();
  let benchCpuPercent: number | undefined;
  const polls: Poll[] = [];
  let startAt = Number.NaN;
  let endAt = Number.NaN;
  let memory: ReturnType<typeof processMemory>;
  let polling = true;
  const poll = async (): Promise<Poll | undefined> => {
    try {
      const m = await scrape(gateway.httpPort);
      const p = { t: m.at - (Number.isNaN(startAt) ? m.at : startAt), forwarded: m.sum(FORWARDED), buffered: m.sum(BUFFERED) };
      polls.push(p);
      return p;
    } catch {
      return undefined; // the gateway died or is stopping; exitStatus() reports it
    }
  };
  try {
    await options.onGatewayStarted?.(gateway.pid);
    const before = await scrape(gateway.httpPort);
    const poller = (async () => {
      while (polling) {
        await sleep(pollMs);
        if (polling) await poll();
      }
    })();
    const load = await options.drive(gateway, {
      start: () => {
        startAt = performance.now();
        cpu.start();
        core?.start();
        benchCore?.start();
        benchCpuAt = process.cpuUsage();
        options.onRunStart?.();
      },
      end: () => {
        endAt = performance.now();
        cpu.stop();
        core?.stop();
        benchCore?.stop();
        const used = process.cpuUsage(benchCpuAt);
        benchCpuPercent = ((used.user + used.system) / 1000 / (performance.now() - startAt)) * 100;
        memory = processMemory(gateway.pid);
      },
    });
    const atEnd = await poll();
    // Wait until nothing is buffered and the counter stopped rising for two polls (QoS 0 backlogs drain here).
    const drainDeadline = performance.now() + (options.drainMaxMs ?? 120_000);
    let calmPolls = 0;
    let last = atEnd;
    while (performance.now() < drainDeadline && gateway.exitStatus() === undefined) {
      await sleep(pollMs);
      const p = await poll();
      if (p === undefined) break;
      calmPolls = p.buffered === 0 && p.forwarded === last?.forwarded ? calmPolls + 1 : 0;
      last = p;
      if (calmPolls >= 2) break;
    }
    polling = false;
    await poller;
    const ended = gateway.exitStatus();
    if (ended !== undefined) {
      throw new Error(`gateway process ended during the run (${ended}); last warnings: ${gateway.logSummary.notable.slice(-5).join(' | ')}`);
    }
    const after = await scrape(gateway.httpPort);
    const finalMemory = processMemory(gateway.pid);
    const windowMs = endAt - startAt;
    const forwardedTotal = after.sum(FORWARDED) - before.sum(FORWARDED);
    const inWindow = forwardedBetween(polls, 0, windowMs);
    const sendMs = options.sendMs ?? windowMs;
    const steadyFrom = options.steadyFromMs ?? 2000;
    const steady = sendMs - steadyFrom >= 1500 ? rateBetween(polls, steadyFrom, Math.min(sendMs, windowMs)) : undefined;
    return {
      load,
      cpuPercent: cpu.percent,
      coreBusyPercent: core?.percent,
      benchCoreBusyPercent: benchCore?.percent,
      benchCpuPercent,
      quiet,
      rssBytes: memory?.rssBytes,
      peakRssBytes: finalMemory?.peakRssBytes ?? memory?.peakRssBytes,
      forwardedInWindow: inWindow,
      forwardedPerSec: (inWindow * 1000) / windowMs,
      steadyForwardedPerSec: steady,
      forwardedTotal,
      lastRiseMs: lastRise(polls),
      drainTimedOut: (last?.buffered ?? 0) > 0,
      longestStallMs: longestStall(polls),
      gatewayAckP50Ms: scaleMs(histogramQuantile(before, after, 'tidegate_ack_latency_seconds', 0.5)),
      gatewayAckP99Ms: scaleMs(histogramQuantile(before, after, 'tidegate_ack_latency_seconds', 0.99)),
      polls,
      metricsAfter: after,
      logs: gateway.logSummary,
      crashed: gateway.exitStatus(),
    };
  } finally {
    polling = false;
    await gateway.stop(options.stopGraceMs);
  }
}

const scaleMs = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);

/** Forwarded count at time `t` (ms since first publish), interpolated between polls. */
function forwardedAt(polls: readonly Poll[], t: number): number {
  let prev: Poll | undefined;
  for (const p of polls) {
    if (p.t >= t) {
      if (prev === undefined || p.t === prev.t) return p.forwarded;
      return prev.forwarded + ((p.forwarded - prev.forwarded) * (t - prev.t)) / (p.t - prev.t);
    }
    prev = p;
  }
  return prev?.forwarded ?? 0;
}

function forwardedBetween(polls: readonly Poll[], from: number, to: number): number {
  return Math.round(forwardedAt(polls, to) - forwardedAt(polls, from));
}

function rateBetween(polls: readonly Poll[], from: number, to: number): number | undefined {
  return to - from < 1000 ? undefined : ((forwardedAt(polls, to) - forwardedAt(polls, from)) * 1000) / (to - from);
}

function lastRise(polls: readonly Poll[]): number {
  let at = 0;
  for (let i = 1; i < polls.length; i++) {
    if ((polls[i] as Poll).forwarded > (polls[i - 1] as Poll).forwarded) at = (polls[i] as Poll).t;
  }
  return at;
}

function longestStall(polls: readonly Poll[]): number {
  let longest = 0;
  let since: number | undefined;
  for (let i = 1; i < polls.length; i++) {
    const a = polls[i - 1] as Poll;
    const b = polls[i] as Poll;
    if (b.t <= 0) continue;
    if (b.forwarded === a.forwarded && a.buffered > 0) {
      since ??= a.t;
      longest = Math.max(longest, b.t - since);
    } else since = undefined;
  }
  return longest;
}

/**
 * CPU time on each pinned core that neither the gateway (core 0) nor this process (core 1) used: other
 * processes on a shared machine, plus kernel work such as loopback softirqs. High values mark a noisy run.
 */
export function otherLoad(r: GatewayRunResult<unknown>): { core0: number | undefined; core1: number | undefined } {
  const diff = (busy: number | undefined, own: number | undefined): number | undefined =>
    busy === undefined || own === undefined ? undefined : Math.max(0, busy - own);
  return { core0: diff(r.coreBusyPercent, r.cpuPercent), core1: diff(r.benchCoreBusyPercent, r.benchCpuPercent) };
}

/** One line per run that looked disturbed, for the Observations section. */
export function noiseNotes(label: string, r: GatewayRunResult<unknown>, thresholdPercent = 15): string[] {
  const out: string[] = [];
  if (r.quiet !== undefined && !r.quiet.quiet) {
    out.push(`${label}: machine still busy (${Math.round(r.quiet.busyPercent ?? 0)}% on a core) after waiting ${Math.round(r.quiet.waitedMs / 1000)} s; ran anyway`);
  }
  const o = otherLoad(r);
  if ((o.core0 ?? 0) > thresholdPercent || (o.core1 ?? 0) > thresholdPercent) {
    out.push(`${label}: other load during the run: core 0 ${Math.round(o.core0 ?? 0)}%, core 1 ${Math.round(o.core1 ?? 0)}% (numbers may be low)`);
  }
  return out;
}
