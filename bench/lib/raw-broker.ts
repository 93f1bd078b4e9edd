/** Bare aedes (bench/loadgen/raw-aedes.ts) as a separate, pinned process: the baseline beside the gateway. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trackChild } from './cleanup.js';
import { pinnedCommand } from './proc.js';

export interface RawBrokerProcess {
  readonly pid: number;
  readonly port: number;
  readonly child: ChildProcess;
  exitStatus(): string | undefined;
  stop(graceMs?: number): Promise<void>;
}

/** Under tsx the child needs the tsx loader; a compiled bench would run raw-aedes.js directly. */
function brokerCommand(): string[] {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return [process.execPath, fileURLToPath(new URL('../loadgen/raw-aedes.js', here)), '--port', '0'];
  const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  return [process.execPath, '--import', tsx, fileURLToPath(new URL('../loadgen/raw-aedes.ts', here)), '--port', '0'];
}

export async function startRawBroker(cpu: number | undefined): Promise<RawBrokerProcess> {
  const [cmd, ...args] = pinnedCommand(cpu, brokerCommand());
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (graceMs = 3_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      void exited.then(() => reject(new Error(`raw aedes exited early (${child.exitCode ?? child.signalCode})`)));
      lines.on('line', (line) => {
        try {
          const msg = JSON.parse(line) as { event?: string; port?: number };
          if (msg.event === 'listening' && typeof msg.port === 'number') resolve(msg.port);
        } catch {
          // Not the JSON start line.
        }
      });
    });
    return {
      pid: child.pid as number,
      port,
      child,
      exitStatus: () => (child.exitCode !== null ? `exit ${child.exitCode}` : child.signalCode !== null ? `signal ${child.signalCode}` : undefined),
      stop,
    };
  } catch (err) {
    await stop(0);
    throw err;
  }
}
