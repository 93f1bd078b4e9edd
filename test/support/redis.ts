import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** The path of `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A port that was free a moment ago (for servers that cannot listen on port 0 and report it, like redis-server). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ChildRedis {
  child: ChildProcess;
  port: number;
  url: string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** A throwaway redis-server (Debian's) on loopback: no RDB snapshots, no AOF. `port`: a fixed one (a restart). */
export async function spawnRedis(fixedPort?: number): Promise<ChildRedis> {
  const bin = onPath('redis-server');
  if (bin === undefined) throw new Error('redis-server is not on PATH (apt-get install redis-server)');
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let out = '';
    const ready = await new Promise<boolean>((resolve) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    if (ready) {
      return {
        child,
        port,
        url: `redis://127.0.0.1:${port}`,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      };
    }
    // The port was taken between freePort() and the bind: try another one.
    if (attempt >= 3 || fixedPort !== undefined) throw new Error(`redis-server did not start: ${out}`);
  }
}
