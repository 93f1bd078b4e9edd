import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bearerTokenMatches, cookieToken, tokenMatches, TOKEN_COOKIE } from '../auth/http-token.js';
import { GatewayError } from '../../../common/errors.js';
import { closeServer, listenOn } from '../../../common/listen.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import type { DashboardRoutes } from './dashboard-routes.js';
import { TELEMETRY_ROUTE, type HttpIngest } from './ingest-route.js';
import { sendJson } from './respond.js';
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
  /** HTTP ingest (`POST /v1/devices/{id}/telemetry`); absent: the route answers 404. */
  ingest?: HttpIngest;
  /** The live dashboard (`/`) and its JSON endpoints; absent: 404. */
  dashboard?: DashboardRoutes;
  /**
   * When set, every endpoint except /healthz and the device ingest requires `Authorization: Bearer <token>` (401
   * otherwise). A browser opens the dashboard once with `/?token=<token>`, which keeps it in an HttpOnly cookie.
   */
  token?: string;
  /** Further routes (the operator API), tried in order before the operators' GET endpoints. */
  routes?: readonly HttpRoute[];
}

export interface HttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The `route` label of `tidegate_http_requests_total`: a fixed set, never the raw path. */
function routeLabel(path: string): string {
  if (TELEMETRY_ROUTE.test(path)) return 'ingest';
  switch (path) {
    case '/metrics': return 'metrics';
    case '/healthz': return 'healthz';
    case '/readyz': return 'readyz';
    case '/': case '/dashboard': return 'dashboard';
    case '/api/v1/stats': return 'api_stats';
    case '/api/v1/latest': return 'api_latest';
    default: return 'other';
  }
}

/** The operators' endpoints: `/metrics` (Prometheus text), `/healthz` (alive), `/readyz` (can take readings). */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { metrics, logger } = options;

  /*
   * Routing by hand, not with a router (find-my-way, fastify's, is the ecosystem's): there are six paths, two
   * with a parameter, and what this function expresses is not path matching but the order of the gates —
   * device ingest first (devices authenticate themselves), then the operator API (its own token check), then the
   * operator token for everything but /healthz, then the dashboard and the GET endpoints. A router would match
   * the same paths and push that order into per-route hooks, where it is harder to read.
   */
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const label = routeLabel(path);
    res.once('finish', () => metrics.httpRequests.inc({ route: label, code: String(res.statusCode) }));
    const telemetry = TELEMETRY_ROUTE.exec(path);
    if (telemetry !== null && options.ingest !== undefined) {
      options.ingest.handle(req, res, telemetry[1] ?? '');
      return;
    }
    for (const extra of options.routes ?? []) if (await extra(req, res, path)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (options.token !== undefined && path !== '/healthz') {
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const fromQuery = path === '/' ? (query.get('token') ?? '') : '';
      if (fromQuery !== '' && tokenMatches(fromQuery, options.token)) {
        // Keep it for the dashboard's own requests, and drop it from the address bar (and browser history).
        res.writeHead(303, {
          location: '/',
          'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(fromQuery)}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
        });
        res.end();
        return;
      }
      if (!bearerTokenMatches(req.headers.authorization, options.token) && !tokenMatches(cookieToken(req.headers.cookie), options.token)) {
        metrics.httpUnauthorized.inc();
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="tidegate"', 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'unauthorized', message: 'a bearer token is required' }));
        return;
      }
    }
    if (options.dashboard?.handle(path, req, res) === true) return;
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
        const failing = Object.entries(checks).filter(([, c]) => !c.ok);
        const ready = failing.length === 0;
        const message = ready ? 'ready' : `not ready: ${failing.map(([name, c]) => `${name}: ${c.detail}`).join('; ')}`;
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', message, checks });
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
  const port = await listenOn(server, options.port ?? 8080, host, (err) =>
    new GatewayError('GW_ERR_LISTEN', `HTTP server could not bind ${host}:${options.port ?? 8080}: ${err.message}`, { cause: err }),
  );
  return {
    port,
    close: () => closeServer(server),
  };
}
