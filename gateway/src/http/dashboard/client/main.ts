/**
 * The dashboard's browser script, compiled by esbuild into one file and inlined into the page (see
 * ../client-script.ts). It polls the gateway's JSON endpoints and draws on canvas; device data is only ever
 * inserted as text, never as HTML.
 */
import { poll, type LatestResponse, type ReadyzResponse, type StatsSnapshot } from './api.js';
import { setText } from './dom.js';
import { renderLatest, renderReady, renderStats } from './render.js';

const unreachable = (): void => setText('meta', 'gateway unreachable, retrying…');

poll<StatsSnapshot>('api/v1/stats', 1000, (body) => renderStats(body), unreachable);
// An error reply (401 once the token cookie is stale) has no `readings`: show the table empty.
poll<LatestResponse>('api/v1/latest', 2000, (body) => renderLatest(body.readings ?? []), unreachable);
poll<ReadyzResponse>('readyz', 3000, (body, status) => renderReady(status, body), unreachable);
