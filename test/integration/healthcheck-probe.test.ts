/**
 * The image's health probe (deploy/docker/healthcheck.mjs, used by the Dockerfile and docker-compose.yml) against
 * a real gateway whose HTTP endpoints need a token: it sends the token from TIDEGATE_HTTP_TOKEN or
 * TIDEGATE_HTTP_TOKEN_FILE, as the gateway reads them, and fails without it (except on /healthz, which is open).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { makeTempDir } from '../support/tmp.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROBE = join(ROOT, 'deploy', 'docker', 'healthcheck.mjs');
const TOKEN = 'probe-token-0123456789abcdef';

/** Runs the probe (asynchronously: the gateway runs in this process) and resolves with its exit code and stderr. */
function probe(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [PROBE, ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr });
    });
  });
}

describe('deploy/docker/healthcheck.mjs with an HTTP token', () => {
  let gw: TestGateway | undefined;
  const dir = makeTempDir('tidegate-probe-');
  beforeAll(async () => {
    gw = await startTestGateway(['--http-token', TOKEN]);
  });
  afterAll(async () => {
    await gw?.stop();
    dir.remove();
  });

  it('sends the token from the environment or its file, and fails without it', async () => {
    const port = String(gw?.gateway.httpPort);
    const tokenFile = join(dir.path, 'http-token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

    const without = await probe(['/readyz'], { TIDEGATE_HTTP_PORT: port });
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/HTTP 401/);
    expect(without.stderr).not.toContain(TOKEN);
    expect((await probe(['/readyz'], { TIDEGATE_HTTP_PORT: port, TIDEGATE_HTTP_TOKEN: TOKEN })).code).toBe(0);
    expect((await probe(['/readyz'], { TIDEGATE_HTTP_PORT: port, TIDEGATE_HTTP_TOKEN_FILE: tokenFile })).code).toBe(0);
    expect((await probe(['/readyz'], { TIDEGATE_HTTP_PORT: port, TIDEGATE_HTTP_TOKEN: 'wrong-token-0123456789' })).code).toBe(1);
    // /healthz is open; a URL target with a metric (the sim's probe) carries the token too.
    expect((await probe(['/healthz'], { TIDEGATE_HTTP_PORT: port })).code).toBe(0);
    const metrics = `http://127.0.0.1:${port}/metrics`;
    expect((await probe([metrics, 'tidegate_http_requests_total'], { TIDEGATE_HTTP_TOKEN: TOKEN })).code).toBe(0);
    expect((await probe([metrics, 'tidegate_http_requests_total'], {})).code).toBe(1);
    const missing = await probe(['/readyz'], { TIDEGATE_HTTP_PORT: port, TIDEGATE_HTTP_TOKEN_FILE: join(dir.path, 'absent') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/TIDEGATE_HTTP_TOKEN_FILE: cannot read \(ENOENT\)/);
  });
});
