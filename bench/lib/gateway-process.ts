/**
 * The gateway under test as a separate process (stack/harness/gateway-process.ts), with what a benchmark adds: the
 * script's own copy of the build (gateway-build.ts), pinning to a core, a fresh data directory, local-mode flags,
 * and a log summary instead of every line, so that its CPU and memory are measured alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { trackDirectory, untrackDirectory } from './cleanup.js';
import { gatewayBuild } from './gateway-build.js';
import { pinnedCommand } from './proc.js';

export interface GatewayProcessOptions {
  /** Kinesis endpoint (the bench's stub); undefined: the embedded Kinesis server, on a free port. */
  kinesisEndpoint: string | undefined;
  /** Run the local delivery runner and embedded S3 (on a free port). Default false. */
  delivery?: boolean;
  /** Extra gateway flags, e.g. ['--aggregation', 'off']. */
  args?: readonly string[];
  /** CPU to pin the gateway to; undefined: not pinned. */
  cpu?: number | undefined;
}

export interface LogSummary {
  /** Log lines by pino level name. */
  byLevel: Record<string, number>;
  /** The last warn/error/fatal messages (bounded), for the anomaly report. */
  notable: string[];
}

export interface GatewayProcess extends ChildGateway {
  readonly logSummary: LogSummary;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s); removes the data directory. */
  stop(graceMs?: number): Promise<number | null>;
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
  const removeDataDir = (): void => {
    rmSync(dataDir, { recursive: true, force: true });
    untrackDirectory(dataDir);
  };
  // Local mode starts the Firehose-style delivery runner (a consumer of the stream) where the build has one; it is
  // not part of the producer path measured here, so it is off unless a scenario turns it on.
  const optional = [
    ...(build.supports('delivery') ? ['--delivery', options.delivery === true ? 'on' : 'off'] : []),
    ...(build.supports('local-s3-port') ? ['--local-s3-port', '0'] : []),
  ];
  const kinesis = options.kinesisEndpoint === undefined ? ['--local-kinesis-port', '0'] : ['--kinesis-endpoint', options.kinesisEndpoint];
  const logSummary: LogSummary = { byLevel: {}, notable: [] };
  const nodeOptions = process.env['TIDEGATE_BENCH_NODE_OPTIONS'];
  let gateway: ChildGateway;
  try {
    gateway = await spawnGateway(
      ['--mode', 'local', ...kinesis, '--stream', 'telemetry', '--data-dir', dataDir, '--log-level', 'info', ...optional, ...(options.args ?? [])],
      {
        main: build.main,
        nodeArgs: gatewayNodeArgs,
        // taskset execs, so the child's pid is the gateway's.
        wrap: (argv) => pinnedCommand(options.cpu, argv),
        ...(nodeOptions === undefined ? {} : { env: { NODE_OPTIONS: nodeOptions } }),
        keepLogs: false,
        onLog: (entry) => {
          const level = LEVELS[Number(entry['level'])] ?? String(entry['level']);
          logSummary.byLevel[level] = (logSummary.byLevel[level] ?? 0) + 1;
          if (Number(entry['level']) >= 40) {
            logSummary.notable.push(`${level}: ${String(entry['msg'] ?? '')}`);
            if (logSummary.notable.length > MAX_NOTABLE) logSummary.notable.shift();
          }
        },
      },
    );
  } catch (err) {
    removeDataDir();
    throw err;
  }
  return {
    ...gateway,
    logSummary,
    async stop(graceMs = 3_000) {
      const code = await gateway.stop(graceMs);
      removeDataDir();
      return code;
    },
  };
}
