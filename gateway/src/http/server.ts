import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { HttpRoute } from './commands-route.js';

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

export interface HttpServerOptions {
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Named checks; `/readyz` answers 200 only when all pass, and lists them in its body either way. */
  readiness: () => Record<string, ReadinessCheck>;
  /** Further routes (the operator API), tried in order before the operators' GET endpoints. */
  routes?: readonly HttpRoute[];
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** The operators' endpoints: `/metrics` (Prometheus text), `/healthz` (alive), `/readyz` (can take readings). */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { metrics, logger } = options;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    for (const extra of options.routes ?? []) if (await extra(req, res, path)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics': {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        const checks = options.readiness();
        const ready = Object.values(checks).every((c) => c.ok);
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
        return;
      }
      default:
        sendJson(res, 404, { error: 'not_found', message: `no route for ${path}` });
    }
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ err }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error' });
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new GatewayError('GW_ERR_LISTEN', `HTTP server could not bind ${host}:${options.port ?? 8080}: ${err.message}`, { cause: err })),
    );
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
