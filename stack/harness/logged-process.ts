/**
 * A child process whose stdout is JSON log lines (pino): the base of every "run the built product locally" harness
 * (the gateway, the Kinesis server, the compose services, the bare aedes baseline), used by tests and benchmarks.
 * Every child still running when this process exits is killed, so a failed test or an interrupted benchmark leaves
 * no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { onJsonLines } from './json-lines.js';

export type LogEntry = Record<string, unknown>;

export interface LoggedProcessOptions {
  /** The child's whole environment (nothing is inherited). */
  env: Record<string, string>;
  /** Working directory. Default: this process's. */
  cwd?: string;
  /**
   * Keep every JSON log line in `logs` (tests assert on them). Default true; false for long benchmark runs, which
   * count lines in `onLog` instead of holding hundreds of thousands of objects.
   */
  keepLogs?: boolean;
  /** Called with each JSON log line as it arrives. Default: none. */
  onLog?: (entry: LogEntry) => void;
}

export interface LoggedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON log line of stdout so far (other lines are kept in `output`); empty with `keepLogs: false`. */
  readonly logs: LogEntry[];
  /** stdout lines that are not JSON, and stderr (the last {@link OUTPUT_LIMIT} characters). */
  output(): string;
  /**
   * Resolves with the first log line `match` accepts (already seen, with `keepLogs`, or still to come); rejects if
   * the process exits first or after `timeoutMs` (default 30 s).
   */
  waitForLog(match: (line: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** Resolves with the exit code (null when a signal ended it) once the process ended. */
  readonly exited: Promise<number | null>;
  /** "exit 1" / "signal SIGKILL" once the process ended; undefined while it runs. */
  exitStatus(): string | undefined;
  /** Sends `signal` (default SIGTERM) if still running and waits for the exit; SIGKILL after `graceMs` (default 20 s). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
}

/** Bound of `output()`: enough for a stack trace, not a whole run's worth of stray lines. */
export const OUTPUT_LIMIT = 64 * 1024;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers run synchronously to the end; kill() is synchronous, so this still works there.
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** This process's environment, for a child that may see all of it (not the gateway: it must not see AWS_*). */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
}

const ended = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** Spawns `argv` with stdout as JSON log lines, keeping them for assertions (see {@link LoggedProcessOptions}). */
export function spawnLogged(name: string, argv: readonly string[], options: LoggedProcessOptions): LoggedProcess {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`${name}: empty command`);
  const child = spawn(command, args, { env: options.env, ...(options.cwd === undefined ? {} : { cwd: options.cwd }), stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  const keep = options.keepLogs ?? true;
  const logs: LogEntry[] = [];
  let text = '';
  const append = (s: string): void => {
    text = (text + s).slice(-OUTPUT_LIMIT);
  };
  const waiters: { match: (l: LogEntry) => boolean; resolve: (l: LogEntry) => void }[] = [];
  // Read stdout for the child's whole life: a child whose pipe is not drained blocks on its logger.
  onJsonLines(
    child.stdout,
    (entry) => {
      if (keep) logs.push(entry);
      options.onLog?.(entry);
      for (const w of [...waiters]) {
        if (w.match(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
      }
    },
    (line) => append(line + '\n'),
  );
  child.stderr?.on('data', (d: Buffer) => append(d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    // A command that cannot start (ENOENT, EACCES) emits 'error' and may never emit 'exit'.
    child.once('error', (err) => {
      append(`${name}: ${err.message}\n`);
      resolve(null);
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<number | null> => {
    if (ended(child)) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    name,
    child,
    pid: child.pid ?? -1,
    logs,
    output: () => text,
    exited,
    exitStatus: () => (child.exitCode !== null ? `exit ${child.exitCode}` : child.signalCode !== null ? `signal ${child.signalCode}` : undefined),
    waitForLog(match, timeoutMs = 30_000) {
      const seen = logs.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no matching log line within ${timeoutMs} ms\n${text}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited with ${code} before the expected log line:\n${text}\n${JSON.stringify(logs.slice(-5))}`));
        });
      });
    },
    stop,
    async kill() {
      await stop('SIGKILL');
    },
  };
}
