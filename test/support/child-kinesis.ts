import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'stack', 'kinesis-main.js');

export interface ChildKinesis {
  child: ChildProcess;
  endpoint: string;
  exited: Promise<void>;
  /** SIGKILL (a crash: the store keeps what reached the OS) and wait for the exit. */
  kill(): Promise<void>;
}

/** Runs the embedded Kinesis API server as a process of its own, persisted in `path`, on a free port. */
export async function spawnKinesis(path: string): Promise<ChildKinesis> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', '--path', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve((JSON.parse(out.slice(0, nl)) as { endpoint: string }).endpoint);
    });
    void exited.then(() => reject(new Error(`kinesis server exited before listening: ${stderr}`)));
  });
  return {
    child,
    endpoint,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
