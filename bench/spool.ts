/**
 * Spool append throughput and latency with fsync on: N appenders, each waiting for its append to be durable
 * before the next one (as N QoS 1 publishes in flight wait for their PUBACK), 200-byte readings, while a drainer
 * reads the spool and marks everything done (as the bridge does), so the spool stays small.
 *
 * Baseline beside it: the disk's own floor, one unbatched write + fdatasync at a time, which is what every append
 * would cost without group commit. A last row with fsync off shows the CPU ceiling of the spool's own code.
 *
 *   npx tsx bench/spool.ts [--quick] [--duration-ms 3000] [--concurrency 1,16,256] [--dir PATH] [--out FILE]
 *
 * No assertions: it prints a table and a JSON line.
 */
import { mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../common/logger.js';
import { encodeEntry } from '../common/spool/format.js';
import { openSpool } from '../common/spool/index.js';
import { runScript, trackDirectory } from './lib/cleanup.js';
import { setting } from '../common/settings/index.js';
import { createLatencyHistogram, percentileNs, recordNs } from './loadgen/histogram.js';
import { emitJson, parseBenchArgs } from './lib/cli.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { waitForQuiet } from './lib/proc.js';
import { printTable } from './lib/table.js';

const USAGE = {
  usage: 'npx tsx bench/spool.ts [options]',
  description: [
    'spool: appends 200-byte readings to the write-ahead spool with fsync on, from 1, 16 and 256 concurrent appenders',
    '(each waits for its append to be durable), with a drainer marking entries done. Baseline: unbatched',
    'write + fdatasync, one at a time.',
  ],
};

const SETTINGS = {
  durationMs: setting.integer({
    flag: 'duration-ms', min: 1, unit: 'ms', defaultText: '3000 (--quick: 1000)', help: 'Measured time per run (after a 500 ms warm-up).',
  }),
  concurrency: setting.list({ flag: 'concurrency', default: ['1', '16', '256'], pattern: /^[1-9]\d*$/, hint: 'positive integers', help: 'Appender counts.' }),
  dir: setting.string({
    flag: 'dir', placeholder: 'path', defaultText: 'os.tmpdir()', help: 'Directory on the disk to measure (a temporary directory is made inside).',
  }),
};

const PAYLOAD_BYTES = 200;
const WARMUP_MS = 500;
const DEVICES = 500;

interface RunResult {
  subject: string;
  appenders: number;
  fsync: boolean;
  appends: number;
  appendsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Group commits (writev + fdatasync) per second, and appends per commit. */
  commitsPerSec: number | undefined;
  appendsPerCommit: number | undefined;
  quiet: boolean;
}

/** A JSON reading padded to 200 bytes, like the fleet's. */
function reading(): Buffer {
  const base = JSON.stringify({ deviceId: 'sim-env-sensor-0001', seq: 1, receivedAt: 1_795_655_957_515, reading: { temperature: 21.5, humidity: 48, fw: '' } });
  return Buffer.from(base.replace('"fw":""', `"fw":"${'x'.repeat(PAYLOAD_BYTES - base.length)}"`));
}

/** Append latencies, recorded in nanoseconds (the load generator's histogram), reported in ms. */
class Samples {
  private readonly h = createLatencyHistogram();
  push(ms: number): void {
    recordNs(this.h, ms * 1e6);
  }
  get count(): number {
    return this.h.totalCount;
  }
  /** p50, p99 and max in ms (NaN when empty). */
  quantiles(): Pick<RunResult, 'p50Ms' | 'p99Ms' | 'maxMs'> {
    const ms = (ns: number): number => ns / 1e6;
    return { p50Ms: ms(percentileNs(this.h, 50)), p99Ms: ms(percentileNs(this.h, 99)), maxMs: this.count === 0 ? Number.NaN : ms(this.h.maxValue) };
  }
}

async function runSpool(root: string, appenders: number, fsync: boolean, durationMs: number): Promise<Omit<RunResult, 'quiet'>> {
  const dir = mkdtempSync(join(root, 'spool-'));
  let commits = 0;
  let measuring = false;
  const spool = await openSpool({
    dir, fsync, logger: createLogger({ level: 'warn' }), onFsync: () => {
      if (measuring) commits++;
    },
  });
  const data = reading();
  const latencies = new Samples();
  let stop = false;

  const drainer = (async () => {
    while (!stop) {
      const entries = await spool.read(2000, 4 * 1024 * 1024);
      for (const e of entries) spool.markDone(e.lsn);
    }
  })();
  const appender = async (id: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const t0 = performance.now();
      await spool.append(`sim-env-sensor-${String((id * 7 + i) % DEVICES).padStart(4, '0')}`, data);
      if (measuring) latencies.push(performance.now() - t0);
    }
  };
  const loops = Array.from({ length: appenders }, (_, id) => appender(id));
  await sleep(WARMUP_MS);
  measuring = true;
  const t0 = performance.now();
  await sleep(durationMs);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  await spool.close();
  await drainer;
  return {
    subject: fsync ? 'spool' : 'spool, fsync off',
    appenders,
    fsync,
    appends: latencies.count,
    appendsPerSec: latencies.count / seconds,
    ...latencies.quantiles(),
    commitsPerSec: commits / seconds,
    appendsPerCommit: commits === 0 ? undefined : latencies.count / commits,
  };
}

/** One entry-sized write + fdatasync at a time, appending to one file: the price of durability per append. */
async function runBaseline(root: string, durationMs: number): Promise<Omit<RunResult, 'quiet'>> {
  const file = await open(join(mkdtempSync(join(root, 'raw-')), 'raw.log'), 'w');
  const entry = encodeEntry('sim-env-sensor-0001', reading(), Date.now());
  const latencies = new Samples();
  let position = 0;
  try {
    const warmupEnd = performance.now() + WARMUP_MS;
    while (performance.now() < warmupEnd) {
      await file.write(entry, 0, entry.length, position);
      await file.datasync();
      position += entry.length;
    }
    const t0 = performance.now();
    const end = t0 + durationMs;
    for (let now = t0; now < end; ) {
      await file.write(entry, 0, entry.length, position);
      await file.datasync();
      position += entry.length;
      const after = performance.now();
      latencies.push(after - now);
      now = after;
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      subject: 'baseline: write + fdatasync each',
      appenders: 1,
      fsync: true,
      appends: latencies.count,
      appendsPerSec: latencies.count / seconds,
      ...latencies.quantiles(),
      commitsPerSec: latencies.count / seconds,
      appendsPerCommit: 1,
    };
  } finally {
    await file.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const args = parseBenchArgs(USAGE, SETTINGS);
  const durationMs = args.values.durationMs ?? (args.quick ? 1000 : 3000);
  const concurrency = args.values.concurrency.map(Number);
  const root = mkdtempSync(join(args.values.dir ?? tmpdir(), 'tidegate-bench-spool-'));
  trackDirectory(root);

  const machine = machineInfo(false);
  process.stdout.write(`${describeMachine(machine)}\n`);
  process.stdout.write(`spool dir: ${root}; ${PAYLOAD_BYTES}-byte readings\n`);

  const results: RunResult[] = [];
  const run = async (label: string, fn: () => Promise<Omit<RunResult, 'quiet'>>): Promise<void> => {
    const quiet = await waitForQuiet();
    if (!quiet.quiet) process.stdout.write(`(machine busy: ${Math.round(quiet.busyPercent ?? 0)}% on the busiest core) `);
    process.stdout.write(`${label}…\n`);
    results.push({ ...(await fn()), quiet: quiet.quiet });
  };
  await run('baseline', () => runBaseline(root, durationMs));
  for (const c of concurrency) await run(`${c} appenders`, () => runSpool(root, c, true, durationMs));
  const most = Math.max(...concurrency);
  await run(`${most} appenders, fsync off`, () => runSpool(root, most, false, durationMs));

  const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  printTable(
    `Spool appends, ${durationMs} ms per run`,
    ['subject', 'appenders', 'appends/s', 'p50 ms', 'p99 ms', 'max ms', 'commits/s', 'appends/commit', 'quiet'],
    results.map((r) => [
      r.subject, r.appenders, Math.round(r.appendsPerSec), ms(r.p50Ms), ms(r.p99Ms), ms(r.maxMs),
      r.commitsPerSec === undefined ? undefined : Math.round(r.commitsPerSec),
      r.appendsPerCommit === undefined ? undefined : Math.round(r.appendsPerCommit * 10) / 10,
      r.quiet ? 'yes' : 'no',
    ]),
  );
  emitJson(args, { bench: 'spool', machine, durationMs, payloadBytes: PAYLOAD_BYTES, results });
}

void runScript(main);
