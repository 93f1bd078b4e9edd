/**
 * A bare aedes broker on a `net` server with no hooks, persistence or bridge: the
 * baseline the gateway's MQTT front end is compared with.
 *
 * Library: `startRawAedes({ port: 0 })`. CLI (for a separate, pinned process):
 *   npx tsx bench/loadgen/raw-aedes.ts --port 1884 [--host 127.0.0.1]
 * prints one JSON line `{"event":"listening","host":...,"port":...}` and exits on SIGINT/SIGTERM.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { defineSettings, parseSettings, renderHelp, setting } from '../../common/settings/index.js';
import { Aedes } from 'aedes';

/** Options for {@link startRawAedes}. */
export interface RawAedesOptions {
  /** TCP port; 0 picks a free one. Default: 0. */
  port?: number;
  /** Listen address. Default: 127.0.0.1. */
  host?: string;
}

export interface RawAedes {
  /** The port actually bound. */
  port: number;
  host: string;
  /** Closes the broker, every client socket and the server. Idempotent. */
  close(): Promise<void>;
}

export async function startRawAedes(options: RawAedesOptions = {}): Promise<RawAedes> {
  const host = options.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close(): Promise<void> {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // Clients mid-handshake are not yet known to aedes; destroy them so server.close() can finish.
        for (const s of sockets) s.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}

const RAW_AEDES_SETTINGS = defineSettings({
  port: setting.integer({ flag: 'port', default: 1883, min: 0, max: 65_535, help: 'Port (0 = a free port).' }),
  host: setting.host({ flag: 'host', default: '127.0.0.1', help: 'Bind address.' }),
});

async function cli(): Promise<void> {
  const parsed = parseSettings(RAW_AEDES_SETTINGS, process.argv.slice(2), {});
  if (parsed.kind === 'help') {
    process.stdout.write(renderHelp(RAW_AEDES_SETTINGS, { title: 'raw-aedes: bare aedes on a TCP port, the baseline broker', usage: 'raw-aedes.ts [options]' }) + '\n');
    return;
  }
  const { port, host } = parsed.values;
  const broker = await startRawAedes({ port, host });
  process.stdout.write(`${JSON.stringify({ event: 'listening', host: broker.host, port: broker.port, pid: process.pid })}\n`);
  const stop = (): void => {
    void broker.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run as a CLI only when executed directly, not when imported by tests or baseline.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`raw-aedes: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
