/**
 * The gateway under test as a separate process (the compiled `dist/` build, as `npm start` runs it, from the
 * script's own copy: see gateway-build.ts), so that its CPU and memory are measured alone and it never shares a
 * core with the load generator.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onJsonLines } from '../../test/support/json-lines.js';
import { trackChild, trackDirectory, untrackDirectory } from './cleanup.js';
import { gatewayBuild } from './gateway-build.js';
import { pinnedCommand } from './proc.js';

export interface GatewayProcessOptions {
  /** Kinesis endpoint (the bench's stub); undefined: the embedded Kinesis server, on a free port. */
  kinesisEndpoint: string | undefined;
  /** Run the local delivery runner and embedded S3 (on a free port). Default false. */
  delivery?: boolean;
  stream?: string;
  /** Extra gateway flags, e.g. ['--aggregation', 'off']. */
  args?: readonly string[];
  /** CPU to pin the gateway to; undefined: not pinned. */
  cpu?: number | undefined;
  /** Time allowed for startup. Default 30 s. */
  startTimeoutMs?: number;
}

export interface LogSummary {
  /** Log lines by pino level name. */
  byLevel: Record<string, number>;
  /** The last warn/error/fatal messages (bounded), for the anomaly report. */
  notable: string[];
}

export interface GatewayProcess {
  readonly pid: number;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly child: ChildProcess;
  readonly logs: LogSummary;
  /** The embedded S3 endpoint, when the delivery runner runs. */
  readonly s3Endpoint: string | undefined;
  /** Exit code/signal if the process has ended (a crash during a run shows here). */
  exitStatus(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s); removes the data directory. */
  stop(graceMs?: number): Promise<void>;
}

/** Node options for every gateway process of this script, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] to profile it. */
let gatewayNodeArgs: readonly string[] = [];

export function setGatewayNodeArgs(args: readonly string[]): void {
  gatewayNodeArgs = [...args];
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const MAX_NOTABLE = 20;

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const build = gatewayBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'tidegate-bench-'));
  trackDirectory(dataDir);
  // Local mode starts the Firehose-style delivery runner (a consumer of the stream, on a fixed S3 port) where the
  // build has one; it is not part of the producer path measured here, so it is off unless a script turns it on.
  const optional = [
    ...(build.supports('delivery') ? ['--delivery', options.delivery === true ? 'on' : 'off'] : []),
    ...(build.supports('local-s3-port') ? ['--local-s3-port', '0'] : []),
  ];
  const kinesis = options.kinesisEndpoint === undefined ? ['--local-kinesis-port', '0'] : ['--kinesis-endpoint', options.kinesisEndpoint];
  const args = [
    ...gatewayNodeArgs, build.main, '--mode', 'local', ...kinesis, '--stream', options.stream ?? 'telemetry',
    '--mqtt-port', '0', '--http-port', '0', '--data-dir', dataDir, '--log-level', 'info', ...optional, ...(options.args ?? []),
  ];
  const [cmd, ...rest] = pinnedCommand(options.cpu, [process.execPath, ...args]);
  // Only PATH: no AWS_* variables, so local mode uses its static local credentials.
  const child = spawn(cmd as string, rest, { env: { PATH: process.env['PATH'] ?? '', ...(process.env['TIDEGATE_BENCH_NODE_OPTIONS'] === undefined ? {} : { NODE_OPTIONS: process.env['TIDEGATE_BENCH_NODE_OPTIONS'] }) }, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  const logs: LogSummary = { byLevel: {}, notable: [] };
  let s3Endpoint: string | undefined;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    // Keep reading stdout for the whole run: a full pipe would block the gateway's logger.
    onJsonLines(child.stdout, (entry) => {
      const level = LEVELS[Number(entry['level'])] ?? String(entry['level']);
      logs.byLevel[level] = (logs.byLevel[level] ?? 0) + 1;
      const msg = String(entry['msg'] ?? '');
      if (Number(entry['level']) >= 40) {
        logs.notable.push(`${level}: ${msg}`);
        if (logs.notable.length > MAX_NOTABLE) logs.notable.shift();
      }
      if (msg.startsWith('delivery runner started') && typeof entry['s3'] === 'string') s3Endpoint = entry['s3'];
      if (msg.startsWith('tidegate started')) resolve(entry);
    });
    void exited.then(() => reject(new Error(`gateway exited (${child.exitCode ?? child.signalCode}) before starting: ${stderr}`)));
    const timer = setTimeout(() => reject(new Error('gateway did not start in time')), options.startTimeoutMs ?? 30_000);
    timer.unref();
  });

  const stop = async (graceMs = 3_000): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    untrackDirectory(dataDir);
  };

  let start: Record<string, unknown>;
  try {
    start = await started;
  } catch (err) {
    await stop(0);
    throw err;
  }
  const port = (hostPort: unknown): number => Number(String(hostPort).split(':').pop());
  return {
    pid: child.pid as number,
    mqttPort: port(start['mqtt']),
    httpPort: port(start['http']),
    child,
    logs,
    s3Endpoint,
    exitStatus: () => (child.exitCode !== null ? `exit ${child.exitCode}` : child.signalCode !== null ? `signal ${child.signalCode}` : undefined),
    stop,
  };
}
