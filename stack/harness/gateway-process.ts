/**
 * The built gateway (`dist/stack/main.js`, what `npm start` runs) as a child process on free ports, for tests and
 * benchmarks: it waits for the start-up log line, reads the ports from it, and hands back the logs and a stop that
 * reports the exit code.
 */
import { fileURLToPath } from 'node:url';
import { spawnLogged, type LogEntry, type LoggedProcess } from './logged-process.js';

/** This repository's build; the harness runs from source (tsx, vitest), two folders below the root. */
export const GATEWAY_MAIN = fileURLToPath(new URL('../../dist/stack/main.js', import.meta.url));

export interface GatewayProcessOptions {
  /** Environment beside PATH (nothing else is inherited: no AWS_* variables reach the gateway). Default: none. */
  env?: Record<string, string>;
  /** The entry to run. Default {@link GATEWAY_MAIN}; a benchmark passes its own snapshot of dist/. */
  main?: string;
  /** Node options before the entry, e.g. ['--cpu-prof']. Default: none. */
  nodeArgs?: readonly string[];
  /** Rewrites the whole command line, e.g. to prefix `taskset -c 0`. Default: unchanged. */
  wrap?: (argv: readonly string[]) => readonly string[];
  /** See {@link LoggedProcessOptions.keepLogs}. Default true. */
  keepLogs?: boolean;
  onLog?: (entry: LogEntry) => void;
  /** Time allowed for start-up before the process is killed. Default 30 s. */
  startTimeoutMs?: number;
}

export interface ChildGateway {
  readonly proc: LoggedProcess;
  readonly child: LoggedProcess['child'];
  readonly pid: number;
  readonly mqttPort: number;
  readonly httpPort: number;
  /** The Kinesis endpoint the start-up line names ("aws" when the SDK resolves it; the embedded server's URL). */
  readonly kinesisEndpoint: string;
  /** The embedded S3 endpoint, when the local delivery runner runs. */
  readonly s3Endpoint: string | undefined;
  /** Every log line so far (empty with `keepLogs: false`). */
  readonly logs: LogEntry[];
  /** Resolves with the exit code once the process ended. */
  readonly exited: Promise<number | null>;
  exitStatus(): string | undefined;
  /** SIGTERM (a clean shutdown), SIGKILL after `graceMs` (default 20 s); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL if still running and wait for the exit. */
  kill(): Promise<void>;
}

const hostPort = (value: unknown): number => Number(String(value).split(':').pop());

/**
 * Runs the gateway with `--mqtt-port 0 --http-port 0` before `args` and waits for "tidegate started"; rejects (with
 * the exit code and output) when it exits first or does not start in time, leaving no process behind.
 */
export async function spawnGateway(args: readonly string[], options: GatewayProcessOptions = {}): Promise<ChildGateway> {
  const argv = [process.execPath, ...(options.nodeArgs ?? []), options.main ?? GATEWAY_MAIN, '--mqtt-port', '0', '--http-port', '0', ...args];
  let s3Endpoint: string | undefined;
  const proc = spawnLogged('gateway', options.wrap?.(argv) ?? argv, {
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    ...(options.keepLogs === undefined ? {} : { keepLogs: options.keepLogs }),
    onLog: (entry) => {
      const msg = String(entry['msg'] ?? '');
      if (msg.startsWith('delivery runner started') && typeof entry['s3'] === 'string') s3Endpoint = entry['s3'];
      options.onLog?.(entry);
    },
  });
  let start: LogEntry;
  try {
    start = await proc.waitForLog((l) => String(l['msg'] ?? '').startsWith('tidegate started'), options.startTimeoutMs ?? 30_000);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return {
    proc,
    child: proc.child,
    pid: proc.pid,
    mqttPort: hostPort(start['mqtt']),
    httpPort: hostPort(start['http']),
    kinesisEndpoint: String(start['kinesis']),
    s3Endpoint,
    logs: proc.logs,
    exited: proc.exited,
    exitStatus: proc.exitStatus,
    stop: (graceMs) => proc.stop('SIGTERM', graceMs),
    kill: proc.kill,
  };
}
