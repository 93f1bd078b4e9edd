import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { closeServer, listenOn } from '../../../common/listen.js';
import { DeliveryError } from '../errors.js';

export interface HealthServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  registry: Registry;
  /** `/readyz` answers 200 while this returns undefined, 503 with the returned reason otherwise. */
  notReady: () => string | undefined;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The runner's operator endpoints, shaped like the gateway's: `/metrics`, `/healthz`, `/readyz`. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const json = (status: number, body: unknown): [number, Record<string, string>, string] => [
    status,
    { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    JSON.stringify(body),
  ];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let answer: Promise<[number, Record<string, string>, string]>;
    if (path === '/metrics') {
      answer = options.registry.metrics().then((text) => [200, { 'content-type': options.registry.contentType }, text]);
    } else if (path === '/healthz') {
      answer = Promise.resolve(json(200, { status: 'ok' }));
    } else if (path === '/readyz') {
      const reason = options.notReady();
      answer = Promise.resolve(json(reason === undefined ? 200 : 503, { status: reason === undefined ? 'ready' : 'not ready', detail: reason ?? 'delivering' }));
    } else {
      answer = Promise.resolve(json(404, { error: 'not_found', message: `no route for ${path}` }));
    }
    answer.then(
      ([status, headers, body]) => res.writeHead(status, headers).end(body),
      () => res.writeHead(500).end(),
    );
  });
  const port = await listenOn(server, options.port, options.host, (err) =>
    new DeliveryError('TG_ERR_DELIVERY_LISTEN', `HTTP server could not bind ${options.host}:${options.port}: ${err.message}`, { cause: err }),
  );
  return {
    port,
    close: () => closeServer(server),
  };
}
