import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const TOKEN = 'operator-token-for-the-dashboard-0123';

describe('--http-token: operator endpoints and the dashboard', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(['--http-token', TOKEN]);
  });
  afterAll(async () => {
    await tg?.stop();
  });
  const url = (path: string): string => `http://127.0.0.1:${tg.gateway.httpPort}${path}`;

  it('wants the token everywhere but /healthz and the device ingest', async () => {
    expect((await fetch(url('/healthz'))).status).toBe(200);
    for (const path of ['/metrics', '/readyz', '/', '/api/v1/stats']) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await fetch(url('/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    const ingest = await fetch(url('/v1/devices/tok-dev/telemetry'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    expect(ingest.status).toBe(202);
  });

  it('opens the dashboard once with ?token=, keeping it in an HttpOnly cookie and out of the address bar', async () => {
    const wrong = await fetch(url('/?token=not-the-token-0123456789'), { redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const res = await fetch(url(`/?token=${TOKEN}`), { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0] as string;

    const page = await fetch(url('/'), { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(url('/api/v1/stats'), { headers: { cookie: pair } })).status).toBe(200);
    expect((await fetch(url('/api/v1/stats'), { headers: { cookie: 'tidegate_token=wrong-token-0123456789' } })).status).toBe(401);
  });
});
