import { spawn, type ChildProcess } from 'node:child_process';
import { onJsonLines } from './json-lines.js';

export interface LoggedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every JSON log line of stdout so far (other lines are kept in `output`). */
  readonly logs: Record<string, unknown>[];
  /** stdout lines that are not JSON, and stderr. */
  output(): string;
  /** Resolves with the first log line `match` accepts; rejects if the process exits first or after `timeoutMs`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) if still running and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** Spawns a process whose stdout is JSON log lines (pino), keeping them for assertions. */
export function spawnLogged(name: string, argv: readonly string[], options: { env: Record<string, string>; cwd: string }): LoggedProcess {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`${name}: empty command`);
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let text = '';
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  onJsonLines(
    child.stdout,
    (entry) => {
      logs.push(entry);
      for (const w of [...waiters]) {
        if (w.match(entry)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
      }
    },
    (line) => (text += line + '\n'),
  );
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    logs,
    output: () => text,
    exited,
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
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
