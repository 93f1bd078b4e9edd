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
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processCpuMs } from '../lib/proc.js';
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

function hasTaskset(): boolean {
  return spawnSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' }).status === 0;
}

/** The broker's command line; under tsx the child needs the tsx loader, compiled builds do not. */
function brokerCommand(): string[] {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return [process.execPath, fileURLToPath(new URL('./raw-aedes.js', here)), '--port', '0'];
  const tsxLoader = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return [process.execPath, '--import', tsxLoader, fileURLToPath(new URL('./raw-aedes.ts', here)), '--port', '0'];
}

async function startBroker(pin: boolean): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, ...args] = pin ? ['taskset', '-c', '0', ...brokerCommand()] : brokerCommand();
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`broker exited early (code ${code})`)));
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { event?: string; port?: number };
        if (msg.event === 'listening' && typeof msg.port === 'number') resolve(msg.port);
      } catch {
        // Not our JSON line; ignore.
      }
    });
  });
  return { child, port };
}


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
  const pin = hasTaskset() && availableParallelism() >= 2;
  if (pin) {
    // -a pins every existing thread; worker threads started later inherit the affinity.
    spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  }
  const { child, port } = await startBroker(pin);
  process.stdout.write(
    `raw aedes (pid ${child.pid}) on 127.0.0.1:${port}; ${pin ? 'broker pinned to CPU 0, generator to CPU 1' : 'not pinned (no taskset or single core)'}; ` +
    `${DURATION_MS / 1000} s per run, payload ${PAYLOAD_BYTES} B, QoS 1 inflight ${INFLIGHT}, 1 generator worker\n` +
    // Other work on the machine skews both sides; a high load average means "re-run when quiet".
    `load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`,
  );
  const lines = [row(['qos', 'conns', 'msg/s', 'sent', 'acked', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'gen CPU', 'gen ELU', 'brokerCPU'])];
  process.stdout.write(`${lines[0]}\n`);
  try {
    for (const s of SCENARIOS) {
      const pid = child.pid as number;
      let before: { cpu: number | undefined; at: number } = { cpu: undefined, at: 0 };
      let brokerCpu = 'n/a';
      const result = await runLoad({
        port, qos: s.qos, connections: s.connections, durationMs: DURATION_MS, inflight: INFLIGHT,
        payloadBytes: PAYLOAD_BYTES, workers: 1, clientIdPrefix: `baseline-q${s.qos}-c${s.connections}`,
        // Sample the broker over the same window as the generator's own CPU figure.
        onRunStart: () => {
          before = { cpu: processCpuMs(pid), at: performance.now() };
        },
        onRunEnd: () => {
          const after = processCpuMs(pid);
          if (before.cpu !== undefined && after !== undefined) {
            brokerCpu = `${(((after - before.cpu) / (performance.now() - before.at)) * 100).toFixed(0)}%`;
          }
        },
      });
      const line = formatRow(s, result, brokerCpu);
      lines.push(line);
      process.stdout.write(`${line}\n`);
      if (result.lastError !== undefined) process.stdout.write(`      last error: ${result.lastError}\n`);
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

await main();
