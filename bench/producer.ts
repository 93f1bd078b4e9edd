/**
 * Producer throughput: one MQTT publisher and many devices through the real gateway (a pinned child process)
 * into the stub Kinesis endpoint, each load also run against bare aedes as the baseline.
 *
 *   npx tsx bench/producer.ts [--quick] [--repeats 3] [--duration-ms 5000] [--payload-bytes 200] [--out FILE]
 *
 * Needs `npm run build` first (the gateway runs from dist/). No assertions: it prints tables and a JSON line.
 */
import { setting } from '../common/settings/index.js';
import { parseBenchArgs, emitJson } from './lib/cli.js';
import { runScript } from './lib/cleanup.js';
import { mqttLoad, runThroughGateway } from './lib/gateway-run.js';
import type { GatewayRunResult } from './lib/gateway-run.js';
import { describeBuild } from './lib/gateway-build.js';
import { benchSetup, describeMachine } from './lib/machine.js';
import { runThroughRawAedes } from './lib/raw-broker.js';
import type { RawRunResult } from './lib/raw-broker.js';
import { shardCap, shardsUsed } from './lib/record-math.js';
import { formatSpread, formatNumber, mib, pct, printTable, round, spread } from './lib/table.js';
import type { Cell, Spread } from './lib/table.js';
import { forwardedPerSec, gatewayNotes, loadNotes, rawNotes } from './suite/legs.js';

const USAGE = {
  usage: 'npx tsx bench/producer.ts [options]',
  description: [
    'producer: one publisher and many devices through the gateway (child process, pinned to CPU 0 when taskset exists)',
    "into the stub Kinesis endpoint (retain: false, no throttling: the gateway's own per-shard limiter applies),",
    'and the same loads against bare aedes. Run "npm run build" first. --quick: short runs, one repetition, shorter drain wait.',
  ],
};

const SETTINGS = {
  repeats: setting.integer({
    flag: 'repeats', min: 1, defaultText: '3 (--quick: 1)', help: 'Runs per scenario and target; the tables show median (min–max).',
  }),
  durationMs: setting.integer({ flag: 'duration-ms', min: 1, unit: 'ms', defaultText: '5000 (--quick: 1500)', help: 'Sending time per run.' }),
  payloadBytes: setting.integer({ flag: 'payload-bytes', default: 200, min: 1, unit: 'bytes', help: 'MQTT payload (JSON reading) size.' }),
  only: setting.list({ flag: 'only', placeholder: 'a,b50,b500,c,e', hint: 'scenario ids', defaultText: 'all', help: 'Scenario ids to run.' }),
};

interface Scenario {
  id: string;
  title: string;
  qos: 0 | 1;
  connections: number;
  inflight: number;
  shards: number;
  /** Reuse the raw-aedes runs of this scenario (same load) instead of repeating them. */
  baselineOf?: string;
}

const SCENARIOS: readonly Scenario[] = [
  { id: 'a', title: '1 conn QoS 0', qos: 0, connections: 1, inflight: 50, shards: 4 },
  { id: 'b50', title: '1 conn QoS 1 w50', qos: 1, connections: 1, inflight: 50, shards: 4 },
  { id: 'b500', title: '1 conn QoS 1 w500', qos: 1, connections: 1, inflight: 500, shards: 4 },
  { id: 'c', title: '100 conns QoS 1 w50', qos: 1, connections: 100, inflight: 50, shards: 4 },
  // Not Kinesis-bound: 64 shards lift the per-shard caps, so this shows the gateway's own CPU ceiling.
  { id: 'e', title: '100 conns QoS 1 w50, 64 shards', qos: 1, connections: 100, inflight: 50, shards: 64, baselineOf: 'c' },
];

interface ScenarioResult {
  scenario: Scenario;
  capPerSec: number;
  shardsUsed: number;
  gateway: GatewayRunResult[];
  raw: RawRunResult[];
}

/** Readings that reached Kinesis per second. QoS 1: acked/s (a PUBACK means Kinesis accepted it); QoS 0: see forwardedPerSec. */
function delivered(s: Scenario, r: GatewayRunResult): number {
  return s.qos === 0 ? forwardedPerSec(r) : r.load.throughputPerSec;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(USAGE, SETTINGS);
  const { only, payloadBytes } = args.values;
  const repeats = args.values.repeats ?? (args.quick ? 1 : 3);
  const durationMs = args.values.durationMs ?? (args.quick ? 1500 : 5000);
  const drainMaxMs = args.quick ? 30_000 : 120_000;
  const { machine, build: gateway, subjectCpu: gatewayCpu } = benchSetup();
  const build = gateway.info;
  // The cap depends on how many readings fit one aggregate: the build's default --aggregation-max-bytes.
  const aggregationMaxBytes = Number(gateway.defaultOf('aggregation-max-bytes') ?? 51_200);
  process.stdout.write(`${describeMachine(machine)}\n${describeBuild(build)}\n`);
  process.stdout.write(
    `payload ${payloadBytes} B, ${durationMs} ms sending per run, ${repeats} run(s) per scenario and target, ` +
      `fresh gateway + stub per run, --aggregation-max-bytes ${aggregationMaxBytes} (default)\n`,
  );

  const results: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    if (only !== undefined && !only.includes(s.id)) continue;
    const prefix = `prod-${s.id}`;
    const ids = Array.from({ length: s.connections }, (_, i) => `${prefix}-${i}`);
    const cap = shardCap(ids[0] as string, payloadBytes, aggregationMaxBytes);
    const used = shardsUsed(ids, s.shards);
    const result: ScenarioResult = { scenario: s, capPerSec: cap.readingsPerSecond * used, shardsUsed: used, gateway: [], raw: [] };
    const load = {
      qos: s.qos, connections: s.connections, inflight: s.inflight, payloadBytes, durationMs, workers: 1, clientIdPrefix: prefix,
      // QoS 0: the PINGRESP barrier waits behind the socket backlog, which the gateway reads only as it forwards.
      drainTimeoutMs: s.qos === 0 ? drainMaxMs : 30_000,
    };
    for (let rep = 1; rep <= repeats; rep++) {
      const g = await runThroughGateway({ shards: s.shards, cpu: gatewayCpu, drive: mqttLoad(load), sendMs: durationMs, drainMaxMs });
      result.gateway.push(g);
      progress(s, rep, 'gateway', delivered(s, g), g.load.errors, g.crashed);
      if (s.baselineOf === undefined) {
        const r = await runThroughRawAedes(gatewayCpu, load);
        result.raw.push(r);
        progress(s, rep, 'raw aedes', r.load.throughputPerSec, r.load.errors, r.crashed);
      }
    }
    // Without its baseline scenario in this invocation, the scenario gets its own raw runs after all.
    const shared = results.find((x) => x.scenario.id === s.baselineOf);
    if (shared !== undefined) result.raw = shared.raw;
    else if (s.baselineOf !== undefined) {
      for (let rep = 1; rep <= repeats; rep++) result.raw.push(await runThroughRawAedes(gatewayCpu, load));
    }
    results.push(result);
  }
  report(results, payloadBytes, aggregationMaxBytes);
  emitJson(args, {
    bench: 'producer', machine, build, config: { repeats, durationMs, payloadBytes, aggregationMaxBytes },
    scenarios: results.map(toJson),
  });
}

function progress(s: Scenario, rep: number, target: string, perSec: number, errors: number, crashed: string | undefined): void {
  const extra = `${errors > 0 ? `, ${errors} errors` : ''}${crashed !== undefined ? `, PROCESS ENDED: ${crashed}` : ''}`;
  process.stdout.write(`  [${s.id}] run ${rep} ${target}: ${formatNumber(round(perSec))}/s${extra}\n`);
}

function report(results: readonly ScenarioResult[], payloadBytes: number, aggregationMaxBytes: number): void {
  const cap = shardCap('prod-a-0', payloadBytes, aggregationMaxBytes);
  const capOff = shardCap('prod-a-0', payloadBytes, undefined);
  printTable(
    `Kinesis per-shard cap for one device (payload ${payloadBytes} B → ${cap.userRecordBytes} B envelope)`,
    ['aggregation', 'readings/record', 'record B/reading', 'bound by', 'max readings/s per shard', 'MiB/s of readings'],
    [
      [`on, ${aggregationMaxBytes} B`, cap.readingsPerRecord, round(cap.bytesPerReading, 1), cap.bound, round(cap.readingsPerSecond), (cap.readingsPerSecond * cap.userRecordBytes) / 2 ** 20],
      ['off', 1, capOff.bytesPerReading, capOff.bound, round(capOff.readingsPerSecond), (capOff.readingsPerSecond * capOff.userRecordBytes) / 2 ** 20],
    ],
  );
  const f = (sp: Spread | undefined): string | undefined => formatSpread(sp, (v) => formatNumber(round(v)));
  const f1 = (sp: Spread | undefined): string | undefined => formatSpread(sp, (v) => v.toFixed(1));
  const rows: Cell[][] = [];
  for (const { scenario: s, gateway, raw, capPerSec, shardsUsed: used } of results) {
    const d = spread(gateway.map((g) => delivered(s, g)));
    rows.push([
      s.id, s.title, 'gateway', f(spread(gateway.map((g) => g.load.sent / (g.load.durationMs / 1000)))), f(d),
      f(spread(gateway.map((g) => g.steadyForwardedPerSec))), `${formatNumber(round(capPerSec))} (${used} sh)`,
      pct(d === undefined ? undefined : (d.median / capPerSec) * 100, 0),
      f1(spread(gateway.map((g) => g.load.latencyMs?.p50))), f1(spread(gateway.map((g) => g.load.latencyMs?.p99))),
      f(spread(gateway.map((g) => g.cpuPercent))), f(spread(gateway.map((g) => others(g.coreBusyPercent, g.cpuPercent)))),
      f(spread(gateway.map((g) => (g.peakRssBytes ?? Number.NaN) / 2 ** 20))),
      f(spread(gateway.map((g) => g.load.generatorCpu.percentOfOneCore))), gateway.reduce((n, g) => n + g.load.errors, 0),
    ]);
    if (s.baselineOf === undefined || !results.some((x) => x.scenario.id === s.baselineOf)) {
      rows.push([
        s.id, s.title, 'raw aedes', f(spread(raw.map((r) => r.load.sent / (r.load.durationMs / 1000)))), f(spread(raw.map((r) => r.load.throughputPerSec))),
        undefined, undefined, undefined,
        f1(spread(raw.map((r) => r.load.latencyMs?.p50))), f1(spread(raw.map((r) => r.load.latencyMs?.p99))),
        f(spread(raw.map((r) => r.cpuPercent))), f(spread(raw.map((r) => others(r.coreBusyPercent, r.cpuPercent)))),
        f(spread(raw.map((r) => (r.peakRssBytes ?? Number.NaN) / 2 ** 20))),
        f(spread(raw.map((r) => r.load.generatorCpu.percentOfOneCore))), raw.reduce((n, r) => n + r.load.errors, 0),
      ]);
    }
  }
  printTable(
    'Throughput: median (min–max). delivered/s = forwarded to Kinesis (QoS 0) or PUBACKed (QoS 1); raw aedes delivers nowhere',
    ['id', 'scenario', 'target', 'sent/s', 'delivered/s', 'steady fwd/s (t≥2 s)', 'Kinesis cap/s', '% of cap', 'p50 ms', 'p99 ms', 'CPU %', 'CPU0 others %', 'peak RSS MiB', 'gen CPU %', 'errors'],
    rows,
  );
  printTable(
    'Gateway ÷ raw aedes (median delivered/s)',
    ['id', 'scenario', 'gateway/s', 'raw aedes/s', 'ratio'],
    results.map(({ scenario: s, gateway, raw }) => {
      const g = spread(gateway.map((x) => delivered(s, x)))?.median;
      const r = spread(raw.map((x) => x.load.throughputPerSec))?.median;
      return [s.id, s.title, g === undefined ? undefined : round(g), r === undefined ? undefined : round(r), g !== undefined && r !== undefined ? `${(g / r).toFixed(3)}` : undefined];
    }),
  );
  const qos0 = results.filter((r) => r.scenario.qos === 0);
  if (qos0.length > 0) printTable(
    'QoS 0: what the generator sent vs what reached Kinesis (per run)',
    ['id', 'run', 'sent', 'window s', 'fwd in window', 'fwd/s in window', 'fwd total', 'not fwd', 'last rise s', 'fwd/s overall', 'gw CPU % (window)', 'RSS at window end MiB', 'peak RSS MiB', 'drain timed out'],
    qos0.flatMap(({ scenario: s, gateway }) =>
      gateway.map((g, i): Cell[] => [
        s.id, i + 1, g.load.sent, round(g.load.durationMs / 1000, 1), g.forwardedInWindow, round(g.forwardedPerSec), g.forwardedTotal,
        g.load.sent - g.forwardedTotal, round(g.lastRiseMs / 1000, 1), round(delivered(s, g)), round(g.cpuPercent ?? Number.NaN),
        mib(g.rssBytes), mib(g.peakRssBytes), g.drainTimedOut ? 'YES' : 'no',
      ]),
    ),
  );
  const notes = results.flatMap(({ scenario: s, gateway, raw }) => [
    ...gateway.flatMap((g, i) => {
      const label = `[${s.id}] run ${i + 1} gateway`;
      return [...(g.crashed === undefined ? [] : [`${label}: process ended during the run (${g.crashed})`]), ...gatewayNotes(label, g), ...loadNotes(label, g.load)];
    }),
    // Shared raw-aedes runs are noted once, with the scenario that ran them.
    ...(results.some((x) => x.scenario.id === s.baselineOf) ? [] : raw.flatMap((r, i) => rawNotes(`[${s.id}] run ${i + 1} raw aedes`, r))),
  ]);
  process.stdout.write(`\n## Observations\n\n${notes.length === 0 ? 'none' : notes.map((n) => `- ${n}`).join('\n')}\n`);
}

/** What else ran on the subject's core during the window (a noisy-neighbour check); undefined when not pinned. */
function others(coreBusy: number | undefined, own: number | undefined): number | undefined {
  return coreBusy === undefined || own === undefined ? undefined : Math.max(0, coreBusy - own);
}

function summary(values: ReadonlyArray<number | undefined>): Spread | undefined {
  const s = spread(values);
  return s === undefined ? undefined : { median: round(s.median, 1), min: round(s.min, 1), max: round(s.max, 1), runs: s.runs.map((v) => round(v, 1)) };
}

function toJson(r: ScenarioResult): Record<string, unknown> {
  const s = r.scenario;
  return {
    ...s,
    capReadingsPerSec: round(r.capPerSec),
    shardsUsed: r.shardsUsed,
    gateway: {
      sentPerSec: summary(r.gateway.map((g) => g.load.sent / (g.load.durationMs / 1000))),
      deliveredPerSec: summary(r.gateway.map((g) => delivered(s, g))),
      steadyForwardedPerSec: summary(r.gateway.map((g) => g.steadyForwardedPerSec)),
      p50Ms: summary(r.gateway.map((g) => g.load.latencyMs?.p50)),
      p99Ms: summary(r.gateway.map((g) => g.load.latencyMs?.p99)),
      cpuPercent: summary(r.gateway.map((g) => g.cpuPercent)),
      cpu0OthersPercent: summary(r.gateway.map((g) => others(g.coreBusyPercent, g.cpuPercent))),
      peakRssMiB: summary(r.gateway.map((g) => (g.peakRssBytes ?? Number.NaN) / 2 ** 20)),
      sent: r.gateway.map((g) => g.load.sent),
      forwardedTotal: r.gateway.map((g) => g.forwardedTotal),
      errors: r.gateway.map((g) => g.load.errors),
      crashed: r.gateway.map((g) => g.crashed ?? null),
    },
    raw: {
      deliveredPerSec: summary(r.raw.map((x) => x.load.throughputPerSec)),
      p50Ms: summary(r.raw.map((x) => x.load.latencyMs?.p50)),
      p99Ms: summary(r.raw.map((x) => x.load.latencyMs?.p99)),
      cpuPercent: summary(r.raw.map((x) => x.cpuPercent)),
      errors: r.raw.map((x) => x.load.errors),
    },
  };
}

await runScript(main);
