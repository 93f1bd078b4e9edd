/**
 * The utilisation target: "a 4-shard stream behind the throttling endpoint carries ≥ 90% of its 4 MiB/s byte
 * limit in readings, and no throttling error reaches a device as a lost or reordered reading".
 * 400 devices publish ~200-byte readings (QoS 1) as fast as the gateway acknowledges them for ~20 s; every
 * record is read back, deaggregated, and checked per device.
 *
 *   npx tsx bench/throttled-utilisation.ts [--quick] [--devices 400] [--duration-ms 20000] [--out FILE]
 *
 * Needs `npm run build` first. No assertions: it prints tables, a verdict line and a JSON line.
 */
import { setting } from '../common/settings/index.js';
import { emitJson, parseBenchArgs } from './lib/cli.js';
import { runScript } from './lib/cleanup.js';
import { otherLoad } from './lib/gateway-run.js';
import { describeBuild } from './lib/gateway-build.js';
import { benchSetup, describeMachine } from './lib/machine.js';
import { SHARD_BYTES_PER_SECOND, STREAM, THROTTLED } from './lib/stub.js';
import { runThrottled } from './lib/throttled-run.js';
import { pct, printTable, round } from './lib/table.js';
import type { Cell } from './lib/table.js';
import { gatewayNotes, loadNotes } from './suite/legs.js';

const USAGE = {
  usage: 'npx tsx bench/throttled-utilisation.ts [options]',
  description: [
    'throttled-utilisation: drives the gateway as fast as it acknowledges into a 4-shard stub throttled like AWS',
    '(1,000 records/s and 1 MiB/s per shard, 1 s burst), then reads every record back to check loss, duplicates and',
    'order per device. Run "npm run build" first.',
  ],
};

const SETTINGS = {
  devices: setting.integer({ flag: 'devices', default: 400, min: 1, help: 'MQTT connections, one device each.' }),
  durationMs: setting.integer({ flag: 'duration-ms', min: 1, unit: 'ms', defaultText: '20000 (--quick: 6000)', help: 'Sending time.' }),
  payloadBytes: setting.integer({ flag: 'payload-bytes', default: 200, min: 1, unit: 'bytes', help: 'MQTT payload (JSON reading) size.' }),
  inflight: setting.integer({ flag: 'inflight', default: 50, min: 1, help: 'QoS 1 window per device.' }),
};

const SHARDS = 4;
const LIMIT = SHARDS * SHARD_BYTES_PER_SECOND;
const TARGET = 0.9;

async function main(): Promise<void> {
  const args = parseBenchArgs(USAGE, SETTINGS);
  const { devices, payloadBytes, inflight } = args.values;
  const durationMs = args.values.durationMs ?? (args.quick ? 6000 : 20_000);
  const { machine, build: gateway, subjectCpu } = benchSetup();
  const build = gateway.info;
  process.stdout.write(`${describeMachine(machine)}\n${describeBuild(build)}\n`);
  process.stdout.write(
    `${devices} devices, QoS 1 window ${inflight}, payload ${payloadBytes} B, ${durationMs} ms sending, gateway defaults ` +
      `(aggregation ${gateway.defaultOf('aggregation') ?? 'on'}, ${gateway.defaultOf('aggregation-max-bytes') ?? '?'} B); stub: ${SHARDS} shards × (1,000 records/s, 1 MiB/s, 1 s burst), retain: true\n`,
  );

  const x = await runThrottled({
    shards: SHARDS,
    gatewayArgs: [],
    cpu: subjectCpu,
    load: { qos: 1, connections: devices, inflight, payloadBytes, durationMs, workers: 1, clientIdPrefix: 'util', drainTimeoutMs: 30_000 },
    // Steady state: after the buckets' initial 1 s burst has been spent, until sending stops.
    steadyFromMs: 3000,
    steadyToMs: durationMs,
  });
  const r = x.readback;
  const o = r.order;
  const lost = o.gaps + Math.max(0, x.run.load.acked - o.readings);
  const payloadShare = r.readingPayloadBytes / Math.max(r.recordBytes, 1);
  const userShare = r.userRecordBytes / Math.max(r.recordBytes, 1);
  const steady = x.steadyUtilisation;

  printTable(
    `Utilisation of the ${SHARDS} × 1 MiB/s byte limit (whole run incl. the 1 s burst; steady = 3 s → end of sending)`,
    ['measure', 'whole run', 'steady'],
    [
      ['accepted Kinesis record bytes (data + key) / s ÷ 4 MiB/s', pct(x.utilisation * 100), pct(steady === undefined ? undefined : steady * 100)],
      ['  of which user records (JSON envelopes)', pct(x.utilisation * userShare * 100), pct(steady === undefined ? undefined : steady * userShare * 100)],
      ['  of which device reading payloads', pct(x.utilisation * payloadShare * 100), pct(steady === undefined ? undefined : steady * payloadShare * 100)],
      ['accepted MiB/s', round(x.acceptedBytesPerSec / 2 ** 20, 3), steady === undefined ? undefined : round((steady * LIMIT) / 2 ** 20, 3)],
    ],
  );
  printTable(
    'Run',
    ['seconds', 'sent', 'acked', 'acked/s', 'p50 ms', 'p99 ms', 'records', 'readings/record', 'throttled (endpoint)', 'throttled (gateway)', 'gw CPU %', 'peak RSS MiB', 'other load c0/c1 %', 'gen errors'],
    [[
      round(x.seconds, 1), x.run.load.sent, x.run.load.acked, x.run.load.throughputPerSec, x.run.load.latencyMs?.p50, x.run.load.latencyMs?.p99,
      r.records, round(r.readings / Math.max(r.records, 1), 1), x.throttled, x.run.metricsAfter.sum('tidegate_shard_throttled_total'),
      x.run.cpuPercent === undefined ? undefined : round(x.run.cpuPercent), x.run.peakRssBytes === undefined ? undefined : round(x.run.peakRssBytes / 2 ** 20),
      `${fmtLoad(otherLoad(x.run).core0)}/${fmtLoad(otherLoad(x.run).core1)}`, x.run.load.errors,
    ]],
  );
  printTable(
    'Per shard (whole run)',
    ['shard', 'records', 'MiB', 'MiB/s', 'utilisation', 'throttled'],
    Object.entries(x.stats.shards)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, s]): Cell[] => [
        key.slice(STREAM.length + 1), s.entriesAccepted, round(s.bytesAccepted / 2 ** 20, 2), round(s.bytesAccepted / x.seconds / 2 ** 20, 3),
        pct((s.bytesAccepted / x.seconds / SHARD_BYTES_PER_SECOND) * 100), s.entriesFailed[THROTTLED] ?? 0,
      ]),
  );
  printTable(
    'Timeline (per second, from the endpoint)',
    ['t s', 'accepted MiB/s', 'utilisation', 'records/s', 'throttled/s'],
    x.timeline.map((s): Cell[] => [round(s.t, 1), round(s.bytesPerSec / 2 ** 20, 3), pct((s.bytesPerSec / LIMIT) * 100), round(s.entriesPerSec), round(s.throttledPerSec)]),
  );
  printTable(
    'Delivery check (every record read back and deaggregated; per device: seq 1..n, and seq = device counter + 1)',
    ['devices', 'acked', 'in stream', 'lost', 'duplicates', 'reordered', 'seq≠n+1', 'devices on >1 shard', 'unparsable', 'gateway epochs'],
    [[o.devices, x.run.load.acked, o.readings, lost, o.duplicates, o.reordered, o.counterMismatches, o.devicesOnSeveralShards, o.unparsable, o.epochs]],
  );
  const clean = lost === 0 && o.reordered === 0 && o.duplicates === 0 && o.counterMismatches === 0 && x.run.load.errors === 0;
  const met = steady !== undefined && steady >= TARGET;
  process.stdout.write(
    `\nverdict: steady utilisation ${pct(steady === undefined ? undefined : steady * 100) ?? 'n/a'} of 4 MiB/s ` +
      `(target ≥ ${TARGET * 100}%: ${met ? 'met' : 'NOT met'}); readings in the stream count ${pct(steady === undefined ? undefined : steady * payloadShare * 100) ?? 'n/a'} ` +
      `as device payload; ${x.throttled} throttled entries, ${clean ? 'none of them lost, duplicated or reordered a reading' : 'DELIVERY PROBLEMS (see table)'}\n`,
  );
  if (x.run.crashed !== undefined) process.stdout.write(`gateway process ended during the run: ${x.run.crashed}\n`);
  for (const note of [...gatewayNotes('run', x.run), ...loadNotes('run', x.run.load)]) process.stdout.write(`${note}\n`);

  emitJson(args, {
    bench: 'throttled-utilisation', machine, build, config: { devices, durationMs, payloadBytes, inflight, shards: SHARDS },
    seconds: round(x.seconds, 2),
    utilisation: round(x.utilisation, 4),
    steadyUtilisation: steady === undefined ? null : round(steady, 4),
    steadyPayloadUtilisation: steady === undefined ? null : round(steady * payloadShare, 4),
    steadyUserRecordUtilisation: steady === undefined ? null : round(steady * userShare, 4),
    acceptedBytesPerSec: round(x.acceptedBytesPerSec),
    ackedPerSec: x.run.load.throughputPerSec,
    latencyMs: x.run.load.latencyMs,
    records: r.records,
    readings: r.readings,
    throttled: x.throttled,
    order: o,
    lost,
    targetMet: met,
    deliveryClean: clean,
    gatewayCpuPercent: x.run.cpuPercent === undefined ? null : round(x.run.cpuPercent, 1),
    otherLoadPercent: otherLoad(x.run),
    timeline: x.timeline.map((s) => ({ t: round(s.t, 2), bytesPerSec: round(s.bytesPerSec), throttledPerSec: round(s.throttledPerSec) })),
  });
}

function fmtLoad(v: number | undefined): string {
  return v === undefined ? 'n/a' : String(Math.round(v));
}

await runScript(main);
