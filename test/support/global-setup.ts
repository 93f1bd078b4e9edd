import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboardClient } from '../../gateway/build/dashboard-client.js';

/**
 * Vitest global setup: compiles the project once, as `npm run build` does, so tests that run the gateway as a
 * child process run exactly what `npm start` runs (dist/), not a transpile-on-the-fly variant, and in-process
 * gateways serve the dashboard script the build ships.
 */
export default async function setup(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const project of ['tsconfig.build.json', 'tsconfig.dashboard.json']) {
    execFileSync(process.execPath, [tsc, '-p', join(root, project)], { cwd: root, stdio: 'inherit' });
  }
  await buildDashboardClient();
}
