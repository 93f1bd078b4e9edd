import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LatestReadings } from '../ops/latest-readings.js';
import type { StatsSampler } from '../ops/stats.js';
import { DASHBOARD_HTML } from './dashboard/page.js';
import { sendJson } from './respond.js';

export interface DashboardRoutesOptions {
  stats: StatsSampler;
  latest: LatestReadings;
}

/** The live dashboard (`/`) and the compact JSON it polls (`/api/v1/stats`, `/api/v1/latest`). */
export interface DashboardRoutes {
  /** Serves `path` if it is one of the dashboard's; false otherwise. GET and HEAD only (checked by the caller). */
  handle(path: string, req: IncomingMessage, res: ServerResponse): boolean;
}

export function createDashboardRoutes(options: DashboardRoutesOptions): DashboardRoutes {
  const page = Buffer.from(DASHBOARD_HTML, 'utf8');
  return {
    handle(path, req, res) {
      switch (path) {
        case '/':
        case '/dashboard':
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-length': String(page.length),
            'cache-control': 'no-cache',
            // Everything the page needs is inline or same-origin; device data is rendered as text only.
            'content-security-policy':
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
            'x-content-type-options': 'nosniff',
          });
          res.end(req.method === 'HEAD' ? undefined : page);
          return true;
        case '/api/v1/stats':
          sendJson(res, 200, options.stats.snapshot());
          return true;
        case '/api/v1/latest':
          sendJson(res, 200, { readings: options.latest.list() });
          return true;
        default:
          return false;
      }
    },
  };
}
