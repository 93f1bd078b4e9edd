import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Binds `server` to host:port and resolves with the bound port (useful with port 0). A bind failure (address in
 * use, no permission) rejects with what `toError` makes of it, so each caller reports it with its own error code.
 */
export function listenOn(server: Server, port: number, host: string, toError: (err: Error) => Error): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (err) => reject(toError(err)));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Stops accepting, closes every open connection (keep-alive ones included) and resolves once the server closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
