/**
 * Baseline: how fast is a bare aedes broker, measured by this load generator?
 *
 *   npx tsx bench/loadgen/baseline.ts
 *
 * The broker runs in a child process so broker and generator never share a core; with
 * `taskset` available the broker is pinned to CPU 0 and this process (all threads) to CPU 1.
 * Broker CPU is sampled from /proc so the table shows which side was the bottleneck.
 * No assertions: this prints numbers for humans and for comparison with the gateway.
 */
import { loadavg } from 'node:os';
import { CpuWindow, pinSelf, shouldPin } from '../lib/proc.js';
import { startRawBroker } from '../lib/raw-broker.js';
import { runLoad } from './run.js';
import type { LoadResult } from './run.js';

interface Scenario {
  qos: 0 | 1;
  connections: number;
}

const SCENARIOS: readonly Scenario[] = [
  { qos: 0, connections: 1 },
  { qos: 0, connections: 10 },
  { qos: 1, connections: 1 },
  { qos: 1, connections: 10 },
];
const DURATION_MS = 5_000;
const INFLIGHT = 50;
const PAYLOAD_BYTES = 150;

function row(cells: ReadonlyArray<string | number>): string {
  const widths = [5, 6, 10, 10, 10, 7, 8, 8, 8, 8, 9, 8, 9];
  return cells.map((c, i) => String(c).padStart(widths[i] ?? 8)).join(' ');
}

function formatRow(s: Scenario, r: LoadResult, brokerCpu: string): string {
  const lat = r.latencyMs;
  const ms = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(2));
  return row([
    s.qos, s.connections, r.throughputPerSec.toLocaleString('en-US'), r.sent, r.acked, r.errors,
    ms(lat?.p50), ms(lat?.p90), ms(lat?.p99), ms(lat?.max),
    `${r.generatorCpu.percentOfOneCore.toFixed(1)}%`,
    r.generatorCpu.eventLoopUtilization.map((e) => `${Math.round(e * 100)}%`).join('/'),
    brokerCpu,
  ]);
}

async function main(): Promise<void> {
  // -a pins every existing thread; worker threads started later inherit the affinity.
  const pin = shouldPin() && pinSelf(1);
  const broker = await startRawBroker(pin ? 0 : undefined);
  process.stdout.write(
    `raw aedes (pid ${broker.pid}) on 127.0.0.1:${broker.port}; ${pin ? 'broker pinned to CPU 0, generator to CPU 1' : 'not pinned (no taskset or single core)'}; ` +
    `${DURATION_MS / 1000} s per run, payload ${PAYLOAD_BYTES} B, QoS 1 inflight ${INFLIGHT}, 1 generator worker\n` +
    // Other work on the machine skews both sides; a high load average means "re-run when quiet".
    `load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`,
  );
  process.stdout.write(`${row(['qos', 'conns', 'msg/s', 'sent', 'acked', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'gen CPU', 'gen ELU', 'brokerCPU'])}\n`);
  try {
    for (const s of SCENARIOS) {
      // Sample the broker over the same window as the generator's own CPU figure.
      const cpu = new CpuWindow(broker.pid);
      const result = await runLoad({
        port: broker.port, qos: s.qos, connections: s.connections, durationMs: DURATION_MS, inflight: INFLIGHT,
        payloadBytes: PAYLOAD_BYTES, workers: 1, clientIdPrefix: `baseline-q${s.qos}-c${s.connections}`,
        onRunStart: () => cpu.start(),
        onRunEnd: () => void cpu.stop(),
      });
      process.stdout.write(`${formatRow(s, result, cpu.percent === undefined ? 'n/a' : `${cpu.percent.toFixed(0)}%`)}\n`);
      if (result.lastError !== undefined) process.stdout.write(`      last error: ${result.lastError}\n`);
    }
  } finally {
    await broker.stop();
  }
}

await main();
