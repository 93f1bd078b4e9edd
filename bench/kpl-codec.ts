/**
 * Micro-benchmark of the KPL aggregation codec: 200-byte readings packed into 64 KiB
 * aggregates, then decoded. Prints throughput only; numbers vary with CPU and Node version.
 *
 * Run: npx tsx bench/kpl-codec.ts [records]
 */
import { createAggregateBuilder, deaggregate } from '../common/kpl/index.js';
import type { UserRecord } from '../common/kpl/index.js';

const RECORD_BYTES = 200;
const AGGREGATE_LIMIT = 64 * 1024;
const DEVICES = 1000;
const ROUNDS = 7;
const recordCount = Number(process.argv[2] ?? 500_000);

function makeRecords(count: number): UserRecord[] {
  const keys = Array.from({ length: DEVICES }, (_, i) => `sensor-${String(i).padStart(5, '0')}`);
  // Readings arrive interleaved from many devices, so consecutive records rarely share a key.
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.alloc(RECORD_BYTES, 0x20);
    data.write(`{"device":${i % DEVICES},"seq":${i},"temp":${(20 + (i % 97) / 10).toFixed(1)}}`);
    return { partitionKey: keys[(i * 7919) % DEVICES]!, data };
  });
}

function encodeAll(records: readonly UserRecord[]): Buffer[] {
  const builder = createAggregateBuilder();
  const out: Buffer[] = [];
  for (const rec of records) {
    if (builder.count > 0 && builder.sizeWith(rec) > AGGREGATE_LIMIT) out.push(builder.build());
    builder.add(rec);
  }
  if (builder.count > 0) out.push(builder.build());
  return out;
}

function decodeAll(blobs: readonly Buffer[], verifyChecksum: boolean): number {
  let n = 0;
  for (const blob of blobs) n += deaggregate(blob, 'outer', { verifyChecksum }).length;
  return n;
}

/** Median wall time in ms of `ROUNDS` runs after one warm-up run. */
function time(fn: () => void): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(ROUNDS / 2)]!;
}

function report(label: string, ms: number, payloadBytes: number, wireBytes: number): void {
  const mbps = (bytes: number) => `${(bytes / 1e3 / ms).toFixed(0).padStart(5)} MB/s`;
  const recordsPerSecond = `${(recordCount / 1e3 / ms).toFixed(2).padStart(5)} M records/s`;
  console.log(
    `${label.padEnd(28)} ${ms.toFixed(1).padStart(7)} ms  ${recordsPerSecond}  ` +
      `${mbps(payloadBytes)} payload  ${mbps(wireBytes)} aggregated`,
  );
}

const records = makeRecords(recordCount);
const blobs = encodeAll(records);
const payloadBytes = recordCount * RECORD_BYTES;
const wireBytes = blobs.reduce((sum, b) => sum + b.length, 0);
if (decodeAll(blobs, true) !== recordCount) throw new Error('round trip lost records');

console.log(
  `node ${process.version}: ${recordCount} records × ${RECORD_BYTES} B, ${DEVICES} device keys → ` +
    `${blobs.length} aggregates ≤ ${AGGREGATE_LIMIT} B (avg ${(recordCount / blobs.length).toFixed(0)} records, ` +
    `${((wireBytes / payloadBytes - 1) * 100).toFixed(1)}% overhead)`,
);
report('encode (sizeWith+add+build)', time(() => void encodeAll(records)), payloadBytes, wireBytes);
report('decode, MD5 verified', time(() => void decodeAll(blobs, true)), payloadBytes, wireBytes);
report('decode, MD5 skipped', time(() => void decodeAll(blobs, false)), payloadBytes, wireBytes);
