/**
 * Bundles the dashboard's browser script (gateway/src/http/dashboard/client/) into the one file the gateway
 * inlines into the page at start-up: minified ES2022, an IIFE so nothing leaks into the page's globals.
 * esbuild only strips types; `tsc -p tsconfig.dashboard.json` type-checks the script before this runs.
 *
 * Run: tsx gateway/build/dashboard-client.ts (part of `npm run build`).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CLIENT_SCRIPT_URL } from '../src/http/dashboard/client-script.js';

export interface BuildDashboardClientOptions {
  /** Output file. Default where the gateway reads it (CLIENT_SCRIPT_URL, in dist/). */
  outFile?: string;
}

export interface BuildDashboardClientResult {
  path: string;
  bytes: number;
}

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function buildDashboardClient(options: BuildDashboardClientOptions = {}): Promise<BuildDashboardClientResult> {
  const outfile = options.outFile ?? fileURLToPath(CLIENT_SCRIPT_URL);
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [join(PROJECT_ROOT, 'gateway', 'src', 'http', 'dashboard', 'client', 'main.ts')],
    outfile,
    tsconfig: join(PROJECT_ROOT, 'tsconfig.dashboard.json'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { path: outfile, bytes: (await stat(outfile)).size };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  if (process.argv.length > 2) throw new Error('dashboard-client: takes no arguments');
  await buildDashboardClient();
}
