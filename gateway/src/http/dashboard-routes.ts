import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LatestResponse } from '../ops/dashboard-api.js';
import type { LatestReadings } from '../ops/latest-readings.js';
import type { StatsSampler } from '../ops/stats.js';
import { loadClientScript } from './dashboard/client-script.js';
import { dashboardPage } from './dashboard/page.js';
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
  const script = loadClientScript();
  const page = Buffer.from(dashboardPage(script.text), 'utf8');
  // Everything the page needs is inline or same-origin; only the page's own script (by its hash) may run, and
  // device data is rendered as text only.
  const csp = [
    "default-src 'none'",
    `script-src ${script.cspSource}`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    handle(path, req, res) {
      switch (path) {
        case '/':
        case '/dashboard':
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-length': String(page.length),
            'cache-control': 'no-cache',
            'content-security-policy': csp,
            'x-content-type-options': 'nosniff',
          });
          res.end(req.method === 'HEAD' ? undefined : page);
          return true;
        case '/api/v1/stats':
          sendJson(res, 200, options.stats.snapshot());
          return true;
        case '/api/v1/latest': {
          const body: LatestResponse = { readings: options.latest.list() };
          sendJson(res, 200, body);
          return true;
        }
        default:
          return false;
      }
    },
  };
}
