/**
 * Firehose transform throughput on one core: ~1 MB invocations (5,000 gateway records of ~200 bytes, the default
 * Firehose processor buffer of 1 MB), median of several runs. A baseline runs beside it: the floor any transform
 * pays (base64 decode → JSON.parse → JSON.stringify → base64 encode), so the enrichment's own cost is visible.
 *
 * Run: npx tsx bench/transform.ts [records-per-invocation] [runs]
 * Profile: node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/transform.ts 5000 200
 * Target: ≥ 200,000 records/s. Where the time went when last profiled (Node 20): fast-json-stringify ~25 %,
 * JSON.parse ~16 %, GC ~18 %, base64/UTF-8 conversions ~14 %, the batch loop + validation + enrichment ~17 %.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import catalog from '../transforms/catalog.json' with { type: 'json' };
import { parseCatalog } from '../transforms/src/catalog/validate.js';
import { createTransform } from '../transforms/src/transform.js';
import type { TransformEvent, TransformEventRecord } from '../transforms/src/types.js';

const RECORDS = Number(process.argv[2] ?? 5000);
const RUNS = Number(process.argv[3] ?? 15);
const WARMUP_RUNS = 5;
const RECEIVED_AT = Date.UTC(2026, 10, 26, 10, 0, 0);

const DEVICE_MIX = [
  { prefix: 'sim-env-sensor-', weight: 40, reading: (i: number) => ({ temperature: 18 + (i % 70) / 10, humidity: 35 + (i % 40), battery: 3.6 + (i % 5) / 100 }) },
  { prefix: 'sim-env-sensor-imperial-', weight: 20, reading: (i: number) => ({ temperature: 64 + (i % 90) / 10, humidity: 40 + (i % 30), battery: 3.7 }) },
  { prefix: 'sim-vibration-monitor-', weight: 20, reading: (i: number) => ({ vibrationRms: 0.5 + (i % 50) / 10, temperature: 41.2, battery: 3.65 }) },
  { prefix: 'sim-asset-tracker-', weight: 20, reading: (i: number) => ({ lat: 51.9 + (i % 100) / 1e4, lon: 4.4 + (i % 77) / 1e4, speed: (i % 300) / 10, battery: 3.8 }) },
] as const;

/** Gateway records padded to ~200 bytes with a firmware tag, as the fleet's readings are. */
function makeEvent(count: number, badEvery: number): TransformEvent {
  const weights = DEVICE_MIX.flatMap((d) => Array<typeof d>(d.weight).fill(d));
  const records: TransformEventRecord[] = [];
  for (let i = 0; i < count; i++) {
    const d = weights[i % weights.length] as (typeof DEVICE_MIX)[number];
    const base = { deviceId: `${d.prefix}${String(i % 500).padStart(4, '0')}`, epoch: 1795655957515, seq: i + 1, receivedAt: RECEIVED_AT + i * 7 };
    const reading = { ...d.reading(i), ts: RECEIVED_AT + i * 7 - 1500, fw: '' };
    const size = JSON.stringify({ ...base, reading }).length;
    reading.fw = `fw-2.4.1-${'x'.repeat(Math.max(0, 200 - size - 9))}`;
    let text = JSON.stringify({ ...base, reading });
    if (badEvery > 0 && i % badEvery === badEvery - 1) text = text.slice(0, -3); // truncated JSON → ProcessingFailed
    records.push({
      recordId: `49546986683135544286507457936321625675700192471156785154${String(i).padStart(6, '0')}`,
      approximateArrivalTimestamp: RECEIVED_AT + i * 7,
      data: Buffer.from(text).toString('base64'),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: base.deviceId,
        approximateArrivalTimestamp: RECEIVED_AT + i * 7,
        sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
        subsequenceNumber: 0,
      },
    });
  }
  return {
    invocationId: '2b4d1ad9-2f48-94bd-a088-767c317e994a',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/tidegate',
    sourceKinesisStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/tidegate',
    region: 'eu-west-1',
    records,
  };
}

/** The floor: what any JSON-in, JSON-out transform pays per record. */
async function baseline(event: TransformEvent): Promise<{ records: Array<{ recordId: string; result: 'Ok'; data: string }> }> {
  return {
    records: event.records.map((r) => ({
      recordId: r.recordId,
      result: 'Ok' as const,
      data: Buffer.from(`${JSON.stringify(JSON.parse(Buffer.from(r.data, 'base64').toString('utf8')))}\n`).toString('base64'),
    })),
  };
}

interface Row {
  scenario: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  requestBytes: number;
  responseBytes: number;
}

async function measure(scenario: string, event: TransformEvent, fn: (e: TransformEvent) => Promise<unknown>): Promise<Row> {
  for (let i = 0; i < WARMUP_RUNS; i++) await fn(event);
  const samples: number[] = [];
  let response: unknown;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    response = await fn(event);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return {
    scenario,
    medianMs: samples[Math.floor(samples.length / 2)] as number,
    minMs: samples[0] as number,
    maxMs: samples[samples.length - 1] as number,
    requestBytes: Buffer.byteLength(JSON.stringify(event)),
    responseBytes: Buffer.byteLength(JSON.stringify(response)),
  };
}

function printTable(rows: readonly Row[]): void {
  const header = ['scenario', 'records', 'request MB', 'response MB', 'median ms', 'min–max ms', 'records/s (median)'];
  const body = rows.map((r) => [
    r.scenario,
    String(RECORDS),
    (r.requestBytes / 1e6).toFixed(2),
    (r.responseBytes / 1e6).toFixed(2),
    r.medianMs.toFixed(2),
    `${r.minMs.toFixed(2)}–${r.maxMs.toFixed(2)}`,
    Math.round((RECORDS / r.medianMs) * 1000).toLocaleString('en-US'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
}

const transform = createTransform({ catalog: parseCatalog(catalog), now: () => RECEIVED_AT + 60_000 });
const clean = makeEvent(RECORDS, 0);
const dirty = makeEvent(RECORDS, 20);
const avgRecord = clean.records.reduce((n, r) => n + Buffer.from(r.data, 'base64').length, 0) / RECORDS;
console.log(
  // The load average says whether other work shared the machine: on 2 cores anything above ~1 skews the numbers.
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, load avg ${(loadavg()[0] ?? 0).toFixed(2)}, node ${process.version}; ` +
    `${RECORDS} records/invocation, avg ${avgRecord.toFixed(0)} B/record, ${WARMUP_RUNS} warm-up + ${RUNS} runs, one core\n`,
);
const rows = [
  await measure('baseline: decode+parse+stringify+encode', clean, baseline),
  await measure('transform: all valid', clean, transform),
  await measure('transform: 5% invalid JSON', dirty, transform),
];
printTable(rows);
