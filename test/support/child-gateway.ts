import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onJsonLines } from './json-lines.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'stack', 'main.js');

export interface ChildGateway {
  child: ChildProcess;
  mqttPort: number;
  httpPort: number;
  kinesisEndpoint: string;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** Sends SIGKILL if still running and waits for the exit. */
  kill(): Promise<void>;
}

/** Runs the compiled gateway (what `npm start` runs) as a child process on free ports and waits for its start. */
export async function spawnGateway(args: string[], env: Record<string, string> = {}): Promise<ChildGateway> {
  const child = spawn(process.execPath, [MAIN, '--mqtt-port', '0', '--http-port', '0', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    onJsonLines(child.stdout, (entry) => {
      logs.push(entry);
      if (typeof entry['msg'] === 'string' && entry['msg'].startsWith('tidegate started')) resolve(entry);
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before starting: ${stderr}`)));
  });
  const start = await started;
  const port = (hostPort: unknown): number => Number(String(hostPort).split(':').pop());
  return {
    child,
    mqttPort: port(start['mqtt']),
    httpPort: port(start['http']),
    kinesisEndpoint: String(start['kinesis']),
    logs,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
