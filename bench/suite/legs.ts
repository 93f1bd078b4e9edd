/**
 * The legs scenarios are made of (declare.ts). Each starts fresh targets — stub endpoints in this process, the gateway
 * or bare aedes pinned in a child — drives its load, collects the gateway's CPU, memory and metrics, stops everything,
 * and throws when the run cannot be trusted (a crash, lost acknowledgements) rather than report it as slow.
 */
import type { LoadResult } from '../loadgen/run.js';
import { mqttLoad, noiseNotes, runThroughGateway } from '../lib/gateway-run.js';
import type { GatewayRunOptions, GatewayRunResult, LoadSpec } from '../lib/gateway-run.js';
import { processMemory } from '../lib/proc.js';
import { shardCap, shardsUsed } from '../lib/record-math.js';
import { runThroughRawAedes } from '../lib/raw-broker.js';
import type { RawRunResult } from '../lib/raw-broker.js';
import { runThrottled } from '../lib/throttled-run.js';
import type { ThrottledRunResult } from '../lib/throttled-run.js';
import type { FigureDecl, Leg } from './declare.js';
import type { Better, ScenarioContext } from './types.js';

export type { LoadSpec };

/** Generator errors beyond this share of what it sent make a run invalid. */
const MAX_ERROR_SHARE = 0.001;

/** Throws when the run's numbers cannot be trusted (lost acknowledgements, a crashed gateway). */
export function assertValid(label: string, load: { sent: number; errors: number; lastError?: string }, crashed?: string): void {
  if (crashed !== undefined) throw new Error(`${label}: process ended during the run (${crashed})`);
  if (load.sent === 0) throw new Error(`${label}: the generator sent nothing${load.lastError === undefined ? '' : `: ${load.lastError}`}`);
  if (load.errors > Math.max(1, load.sent * MAX_ERROR_SHARE)) {
    throw new Error(`${label}: ${load.errors} generator errors for ${load.sent} sent; last: ${load.lastError ?? 'n/a'}`);
  }
}

/** Remarks for a gateway run: noise on the cores, stalls, warnings in its log. */
export function gatewayNotes(label: string, r: GatewayRunResult<unknown>): string[] {
  const out = noiseNotes(label, r);
  if (r.longestStallMs >= 2000) out.push(`${label}: forwarding stalled ${Math.round(r.longestStallMs)} ms with readings buffered`);
  if (r.drainTimedOut) out.push(`${label}: readings still buffered when the drain wait ended`);
  const warn = (r.logs.byLevel['warn'] ?? 0) + (r.logs.byLevel['error'] ?? 0) + (r.logs.byLevel['fatal'] ?? 0);
  if (warn > 0) out.push(`${label}: ${warn} warn/error log lines, last: ${r.logs.notable.slice(-2).join(' | ')}`);
  return out;
}

export function loadNotes(label: string, load: LoadResult): string[] {
  return load.errors > 0 ? [`${label}: ${load.errors} generator errors (last: ${load.lastError ?? 'n/a'})`] : [];
}

const rate = (load: LoadResult): string => `${Math.round(load.throughputPerSec)} readings/s${load.latencyMs === null ? '' : `, p99 ${load.latencyMs.p99} ms`}`;

export interface GatewayLegOptions<R> extends Omit<GatewayRunOptions<R>, 'cpu'> {
  /** Throws when the load's own numbers are not valid. Default: none. */
  validate?: (label: string, load: R) => void;
  /** The progress line, from what the load measured. Default: none. */
  summary?: (load: R) => string;
}

/** The gateway (pinned child) with any load driver, into stubs or its embedded Kinesis (see runThroughGateway). */
export function gatewayLeg<R>(label: string, o: GatewayLegOptions<R>): Leg<GatewayRunResult<R>> {
  const { validate, summary, ...run } = o;
  return {
    label,
    async run(ctx) {
      // A gateway that ended during the run makes runThroughGateway throw.
      const r = await runThroughGateway({ ...run, cpu: ctx.subjectCpu });
      validate?.(label, r.load);
      return r;
    },
    ...(summary === undefined ? {} : { summary: (r: GatewayRunResult<R>) => summary(r.load) }),
    notes: (r) => gatewayNotes(label, r),
  };
}

export interface MqttLegResult extends GatewayRunResult {
  /** With `idleRss`: the gateway's settled RSS before the first device connected, and with all connected and idle. */
  rssBeforeBytes?: number | undefined;
  rssIdleBytes?: number | undefined;
}

export interface MqttLegOptions extends Omit<GatewayLegOptions<LoadResult>, 'drive' | 'validate' | 'onGatewayStarted'> {
  load: LoadSpec;
  /** Also measure the gateway's memory per idle device: settle this long, then take the lowest of a few samples. */
  idleRssSettleMs?: number;
}

/** The gateway under the MQTT load generator. */
export function mqttLeg(label: string, o: MqttLegOptions): Leg<MqttLegResult> {
  const settle = o.idleRssSettleMs;
  return {
    label,
    async run(ctx) {
      const memory: { before?: number | undefined; idle?: number | undefined } = {};
      const onConnected = async (pid: number): Promise<void> => {
        ctx.log(`${label}: all devices connected; measuring idle memory`);
        memory.idle = await settledRss(pid, settle ?? 0);
      };
      const leg = gatewayLeg(label, {
        ...o,
        validate: (l, load) => assertValid(l, load),
        drive: mqttLoad(o.load, settle === undefined ? undefined : onConnected),
        ...(settle === undefined ? {} : { onGatewayStarted: async (pid: number) => void (memory.before = await settledRss(pid, settle)) }),
      });
      return { ...(await leg.run(ctx)), rssBeforeBytes: memory.before, rssIdleBytes: memory.idle };
    },
    summary: (r) => rate(r.load),
    notes: (r) => [...gatewayNotes(label, r), ...loadNotes(label, r.load)],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** RSS after the gateway's memory settles: the lowest of a few samples, so a passing allocation burst is not counted. */
async function settledRss(pid: number, settleMs: number): Promise<number | undefined> {
  await sleep(settleMs);
  let low: number | undefined;
  for (let i = 0; i < 5; i++) {
    const rss = processMemory(pid)?.rssBytes;
    if (rss !== undefined) low = low === undefined ? rss : Math.min(low, rss);
    await sleep(200);
  }
  return low;
}

/** Remarks for a bare-aedes run: a busy machine, other load on the broker's core. */
export function rawNotes(label: string, r: RawRunResult): string[] {
  const out: string[] = [];
  if (!r.quiet.quiet) out.push(`${label}: machine busy before the run; ran anyway`);
  const other = r.coreBusyPercent === undefined || r.cpuPercent === undefined ? 0 : r.coreBusyPercent - r.cpuPercent;
  if (other > 15) out.push(`${label}: other load on the broker's core ${Math.round(other)}%`);
  return out;
}

/**
 * QoS 0 readings that reached Kinesis per second: what the generator "sent" may still sit in socket buffers, so
 * forwarded total ÷ time from the first publish until the gateway's forwarded counter stopped rising.
 */
export const forwardedPerSec = (r: GatewayRunResult<unknown>): number => (r.forwardedTotal * 1000) / Math.max(r.lastRiseMs, 1);

/** Bare aedes (pinned child) under the same load generator: the baseline. */
export function rawAedesLeg(label: string, load: LoadSpec): Leg<RawRunResult> {
  return {
    label,
    async run(ctx) {
      const r = await runThroughRawAedes(ctx.subjectCpu, load);
      assertValid(label, r.load, r.crashed);
      return r;
    },
    summary: (r) => rate(r.load),
    notes: (r) => rawNotes(label, r),
  };
}

/** Readings lost (gaps, or acknowledged but not in the stream) and reordered, from the read-back. */
export const lostOrReordered = (x: ThrottledRunResult): number =>
  x.readback.order.gaps + x.readback.order.reordered + Math.max(0, x.run.load.acked - x.readback.order.readings);

/** The gateway into a stub throttled like AWS that keeps every record, which is read back afterwards. */
export function throttledLeg(label: string, o: { shards: number; args: readonly string[]; load: LoadSpec }): Leg<ThrottledRunResult> {
  return {
    label,
    async run(ctx) {
      const x = await runThrottled({ shards: o.shards, gatewayArgs: o.args, cpu: ctx.subjectCpu, load: o.load });
      assertValid(label, x.run.load);
      return x;
    },
    summary: (x) => `${Math.round(x.run.load.throughputPerSec)} readings/s, ${x.readback.records} records for ${x.readback.readings} readings`,
    notes(x) {
      const o = x.readback.order;
      const out = [...gatewayNotes(label, x.run), ...loadNotes(label, x.run.load)];
      if (lostOrReordered(x) > 0) {
        out.push(`${label}: DELIVERY ERROR: ${lostOrReordered(x) - o.reordered} readings lost, ${o.reordered} reordered (read back from the stream)`);
      }
      if (o.duplicates > 0) out.push(`${label}: ${o.duplicates} duplicates (at-least-once retries)`);
      return out;
    },
  };
}

/** Work in this process (pinned to the generator's core), e.g. the transform. */
export function inProcessLeg<R>(label: string, run: (ctx: ScenarioContext) => Promise<R>, summary?: (r: R) => string): Leg<R> {
  return { label, run, ...(summary === undefined ? {} : { summary }) };
}

export const mib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 2 ** 20);

/** Figures several scenarios report the same way, read from the leg named `leg`. */
export const gatewayCpu = <K extends string>(leg: K, label = 'gateway CPU', better: Better = 'info'): FigureDecl<Record<K, { cpuPercent: number | undefined }>> =>
  ({ label, unit: '% of a core', better, value: (m) => m[leg].cpuPercent });
export const generatorCpu = <K extends string>(leg: K, label = 'generator + stub CPU'): FigureDecl<Record<K, { load: LoadResult }>> =>
  ({ label, unit: '% of a core', better: 'info', value: (m) => m[leg].load.generatorCpu.percentOfOneCore });
export const peakRss = <K extends string>(leg: K): FigureDecl<Record<K, { peakRssBytes: number | undefined }>> =>
  ({ label: 'gateway peak RSS', unit: 'MiB', better: 'lower', value: (m) => mib(m[leg].peakRssBytes) });
export const ackQuantile = <K extends string>(leg: K, q: 'p50' | 'p99', label = `publish→PUBACK ${q}`, better: Better = 'lower'): FigureDecl<Record<K, { load: LoadResult }>> =>
  ({ label, unit: 'ms', better, value: (m) => m[leg].load.latencyMs?.[q] });

/** Readings/s Kinesis would take from devices `${prefix}-0…` over `shards` shards, with the build's aggregate size. */
export const kinesisCap = (prefix: string, devices: number, shards: number, payloadBytes: number): FigureDecl<unknown> => ({
  label: 'Kinesis cap for these devices', unit: 'readings/s', better: 'info',
  value(_m, ctx) {
    const ids = Array.from({ length: devices }, (_, i) => `${prefix}-${i}`);
    const aggregationMaxBytes = Number(ctx.build.defaultOf('aggregation-max-bytes') ?? 75_000);
    return shardCap(ids[0] as string, payloadBytes, aggregationMaxBytes).readingsPerSecond * shardsUsed(ids, shards);
  },
});
