/**
 * Kinesis cost and throughput with KPL aggregation on vs off, and across --aggregation-max-bytes values:
 * 1,000 devices publish ~200-byte readings (QoS 1) through the gateway into the stub endpoint with AWS-like
 * per-shard throttling (4 shards, 1,000 records/s and 1 MiB/s each). Records are kept and read back with the
 * SDK, so record counts and PUT payload units are computed exactly, per record.
 *
 *   npx tsx bench/aggregation.ts [--quick] [--devices 1000] [--payload-bytes 200] [--out FILE]
 *
 * Needs `npm run build` first. No assertions: it prints tables and a JSON line.
 */
import { setting } from '../common/settings/index.js';
import { emitJson, parseBenchArgs } from './lib/cli.js';
import { runScript } from './lib/cleanup.js';
import { otherLoad } from './lib/gateway-run.js';
import { describeBuild } from './lib/gateway-build.js';
import { benchSetup, describeMachine } from './lib/machine.js';
import { runThrottled } from './lib/throttled-run.js';
import type { ThrottledRunResult } from './lib/throttled-run.js';
import { PUT_PAYLOAD_UNIT_BYTES, perMillion, shardCap } from './lib/record-math.js';
import { formatNumber, pct, printTable, round } from './lib/table.js';
import type { Cell } from './lib/table.js';
import { gatewayNotes, loadNotes } from './suite/legs.js';

const USAGE = {
  usage: 'npx tsx bench/aggregation.ts [options]',
  description: [
    "aggregation: KPL aggregation off vs on, and --aggregation-max-bytes 25600 | 51200 | 102400 | 262144 (plus the build's",
    'default if it is none of these), through the gateway into a throttled 4-shard stub (1,000 records/s and 1 MiB/s',
    'per shard). Every record is read back to count records and PUT payload units (25 KiB each) exactly. Run',
    '"npm run build" first.',
  ],
};

const SETTINGS = {
  devices: setting.integer({ flag: 'devices', default: 1000, min: 1, help: 'MQTT connections, one device each.' }),
  payloadBytes: setting.integer({ flag: 'payload-bytes', default: 200, min: 1, unit: 'bytes', help: 'MQTT payload (JSON reading) size.' }),
  readingsOn: setting.integer({ flag: 'readings-on', min: 1, defaultText: '300 (--quick: 30)', help: 'Readings per device with aggregation on.' }),
  readingsOff: setting.integer({ flag: 'readings-off', min: 1, defaultText: '100 (--quick: 10)', help: 'Readings per device with aggregation off.' }),
  repeats: setting.integer({
    flag: 'repeats', default: 1, min: 1, help: 'Runs per configuration (each printed; aggregate fill depends on timing).',
  }),
};

const SHARDS = 4;
/** The sizes the team asked for; the build's own default is added when it is not among them. */
const REQUESTED_MAX_BYTES = [25_600, 51_200, 102_400, 262_144] as const;
const PER_MILLION = 1_000_000;

interface Config {
  label: string;
  aggregation: 'on' | 'off';
  maxBytes: number | undefined;
  readingsPerDevice: number;
}

interface ConfigResult {
  config: Config;
  run: number;
  result: ThrottledRunResult;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(USAGE, SETTINGS);
  const { repeats, devices, payloadBytes } = args.values;
  const perDeviceOn = args.values.readingsOn ?? (args.quick ? 30 : 300);
  const perDeviceOff = args.values.readingsOff ?? (args.quick ? 10 : 100);
  const { machine, build: gateway, subjectCpu } = benchSetup();
  const build = gateway.info;
  const defaultMaxBytes = Number(gateway.defaultOf('aggregation-max-bytes') ?? Number.NaN);
  const maxBytesList = [...new Set([...REQUESTED_MAX_BYTES, ...(Number.isInteger(defaultMaxBytes) ? [defaultMaxBytes] : [])])].sort((a, b) => a - b);
  process.stdout.write(`${describeMachine(machine)}\n${describeBuild(build)}\n`);
  process.stdout.write(
    `${devices} devices, QoS 1 window 50, payload ${payloadBytes} B; ${perDeviceOff} readings/device with aggregation off, ` +
      `${perDeviceOn} with it on; stub: ${SHARDS} shards, 1,000 records/s + 1 MiB/s per shard (1 s burst), retain: true\n`,
  );

  const configs: Config[] = [
    { label: 'off', aggregation: 'off', maxBytes: undefined, readingsPerDevice: perDeviceOff },
    ...maxBytesList.map((maxBytes): Config => ({
      label: `on ${maxBytes}${maxBytes === defaultMaxBytes ? ' (default)' : ''}`,
      aggregation: 'on',
      maxBytes,
      readingsPerDevice: perDeviceOn,
    })),
  ];
  const results: ConfigResult[] = [];
  for (let run = 1; run <= repeats; run++) for (const config of configs) {
    const gatewayArgs = ['--aggregation', config.aggregation, ...(config.maxBytes === undefined ? [] : ['--aggregation-max-bytes', String(config.maxBytes)])];
    const result = await runThrottled({
      shards: SHARDS,
      gatewayArgs,
      cpu: subjectCpu,
      load: {
        qos: 1, connections: devices, inflight: 50, payloadBytes, workers: 1, clientIdPrefix: 'agg',
        messagesPerConnection: config.readingsPerDevice,
        // A safety cap only: each run is sized to finish well within it.
        durationMs: args.quick ? 15_000 : 40_000,
        drainTimeoutMs: 30_000,
      },
    });
    results.push({ config, run, result });
    const r = result.readback;
    process.stdout.write(
      `  ${label({ config, run, result }, repeats)}: ${formatNumber(r.readings)} readings in ${round(result.seconds, 1)} s, ${formatNumber(r.records)} records, ` +
        `${formatNumber(result.throttled)} throttled, ${result.run.load.errors} generator errors\n`,
    );
  }
  report(results, repeats, payloadBytes, maxBytesList);
  emitJson(args, {
    bench: 'aggregation', machine, build, config: { devices, payloadBytes, shards: SHARDS, perDeviceOn, perDeviceOff },
    runs: results.map(({ config, run, result }) => ({ ...config, run, ...toJson(result) })),
  });
}

function label(c: ConfigResult, repeats: number): string {
  return repeats > 1 ? `${c.config.label} #${c.run}` : c.config.label;
}

/** What 1M readings cost if every record were full (one device's readings; the floor for that setting). */
function idealRows(payloadBytes: number, maxBytesList: readonly number[]): Cell[][] {
  return [undefined, ...maxBytesList].map((maxBytes): Cell[] => {
    const cap = shardCap('agg-0', payloadBytes, maxBytes);
    const records = PER_MILLION / cap.readingsPerRecord;
    const recordBytes = cap.bytesPerReading * cap.readingsPerRecord;
    const dataBytes = recordBytes - Buffer.byteLength('agg-0');
    const units = records * Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES);
    const unitsData = records * Math.ceil(dataBytes / PUT_PAYLOAD_UNIT_BYTES);
    const name = `ideal: ${maxBytes === undefined ? 'off' : `on ${maxBytes}`}`;
    return [name, undefined, undefined, round(records), round(units), round(unitsData), cap.readingsPerRecord, round(recordBytes), undefined, undefined, undefined];
  });
}

function report(results: readonly ConfigResult[], repeats: number, payloadBytes: number, maxBytesList: readonly number[]): void {
  printTable(
    'Kinesis cost per 1M readings (exact, from every record read back; "ideal" rows: every record filled to the cap)',
    ['config', 'readings', 'records', 'records/1M', 'PUT units/1M (data+key)', 'PUT units/1M (data only)', 'readings/record', 'mean record B', 'p50 record B', 'max record B', 'throttled/1M'],
    [
      ...results.map((c): Cell[] => {
        const r = c.result.readback;
        return [
          label(c, repeats), r.readings, r.records, perMillion(r.records, r.readings), perMillion(r.unitsWithKey, r.readings), perMillion(r.unitsDataOnly, r.readings),
          round(r.readings / Math.max(r.records, 1), 1), round(r.recordBytes / Math.max(r.records, 1)), r.p50RecordBytes, r.maxRecordBytes,
          perMillion(c.result.throttled, r.readings),
        ];
      }),
      ...idealRows(payloadBytes, maxBytesList),
    ],
  );
  printTable(
    'Throughput and shard utilisation (limit 4 × 1 MiB/s; steady = from 3 s after start to 2 s before the end)',
    ['config', 'seconds', 'readings/s', 'accepted MiB/s', 'utilisation', 'steady util.', 'throttled', 'gw throttled', 'p50 ms', 'p99 ms', 'gw CPU %', 'peak RSS MiB', 'min rate factor', 'other load c0/c1 %'],
    results.map((c): Cell[] => {
      const x = c.result;
      return [
      label(c, repeats), round(x.seconds, 1), round(x.run.load.throughputPerSec), round(x.acceptedBytesPerSec / 2 ** 20, 2),
      pct(x.utilisation * 100), pct(x.steadyUtilisation === undefined ? undefined : x.steadyUtilisation * 100), x.throttled,
      x.run.metricsAfter.sum('tidegate_shard_throttled_total'), x.run.load.latencyMs?.p50, x.run.load.latencyMs?.p99,
      x.run.cpuPercent === undefined ? undefined : round(x.run.cpuPercent), x.run.peakRssBytes === undefined ? undefined : round(x.run.peakRssBytes / 2 ** 20),
      minRateFactor(x), noise(x),
      ];
    }),
  );
  // One line per run: a stall or a slow recovery after throttling shows as a run of low numbers.
  process.stdout.write('\n## Accepted MiB/s per second (endpoint timeline; 4.0 = the 4-shard limit)\n\n');
  for (const c of results) {
    const line = c.result.timeline.map((t) => (t.bytesPerSec / 2 ** 20).toFixed(1)).join(' ');
    process.stdout.write(`${label(c, repeats).padEnd(22)} ${line}\n`);
  }
  printTable(
    'Delivery check (stream read back; seq must run 1..n per device and equal the device counter + 1)',
    ['config', 'sent', 'acked', 'in stream', 'lost (gaps)', 'duplicates', 'reordered', 'seq≠n+1', 'gen errors'],
    results.map((c): Cell[] => {
      const x = c.result;
      const o = x.readback.order;
      return [label(c, repeats), x.run.load.sent, x.run.load.acked, o.readings, o.gaps + Math.max(0, x.run.load.acked - o.readings), o.duplicates, o.reordered, o.counterMismatches, x.run.load.errors];
    }),
  );
  const notes = results.flatMap((c) => {
    const x = c.result;
    const name = label(c, repeats);
    const out = [...(x.run.crashed === undefined ? [] : [`${name}: gateway process ended during the run (${x.run.crashed})`]), ...gatewayNotes(name, x.run), ...loadNotes(name, x.run.load)];
    const stalls = x.timeline.filter((s) => s.t > 1.5 && s.t < x.seconds - 1 && s.bytesPerSec === 0).length;
    if (stalls > 0) out.push(`${name}: ${stalls} one-second intervals with nothing accepted by the endpoint`);
    return out;
  });
  process.stdout.write(`\n## Observations\n\n${notes.length === 0 ? 'none' : notes.map((n) => `- ${n}`).join('\n')}\n`);
}

/** The gateway's lowest per-shard rate factor at the end (1 = full rate; < 1: still recovering from throttling). */
function minRateFactor(x: ThrottledRunResult): number | undefined {
  const factors = [...x.run.metricsAfter.byLabel('tidegate_shard_rate_factor', 'shard').values()];
  return factors.length === 0 ? undefined : round(Math.min(...factors), 2);
}

/** "core0/core1" CPU% used by neither the gateway nor this process: other work on a shared machine. */
function noise(x: ThrottledRunResult): string {
  const o = otherLoad(x.run);
  return `${o.core0 === undefined ? 'n/a' : Math.round(o.core0)}/${o.core1 === undefined ? 'n/a' : Math.round(o.core1)}`;
}

function toJson(x: ThrottledRunResult): Record<string, unknown> {
  const r = x.readback;
  return {
    seconds: round(x.seconds, 2),
    sent: x.run.load.sent,
    acked: x.run.load.acked,
    readings: r.readings,
    records: r.records,
    recordsPerMillion: perMillion(r.records, r.readings),
    unitsWithKeyPerMillion: perMillion(r.unitsWithKey, r.readings),
    unitsDataOnlyPerMillion: perMillion(r.unitsDataOnly, r.readings),
    meanRecordBytes: round(r.recordBytes / Math.max(r.records, 1)),
    p50RecordBytes: r.p50RecordBytes,
    maxRecordBytes: r.maxRecordBytes,
    throttled: x.throttled,
    throttledPerMillion: perMillion(x.throttled, r.readings),
    readingsPerSec: x.run.load.throughputPerSec,
    acceptedBytesPerSec: round(x.acceptedBytesPerSec),
    utilisation: round(x.utilisation, 4),
    steadyUtilisation: x.steadyUtilisation === undefined ? null : round(x.steadyUtilisation, 4),
    minRateFactorAtEnd: minRateFactor(x) ?? null,
    acceptedMiBPerSecTimeline: x.timeline.map((t) => round(t.bytesPerSec / 2 ** 20, 2)),
    latencyMs: x.run.load.latencyMs,
    gatewayCpuPercent: x.run.cpuPercent === undefined ? null : round(x.run.cpuPercent, 1),
    otherLoadPercent: otherLoad(x.run),
    order: r.order,
    errors: x.run.load.errors,
  };
}

await runScript(main);
