import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUT = join(ROOT, 'test-output');

/** The dashboard in real headless Chromium while real MQTT traffic flows through the gateway. */
describe('dashboard', () => {
  let tg: TestGateway;
  let browser: Browser | undefined;
  const clients: MqttClient[] = [];
  let running = true;
  let traffic: Promise<unknown> = Promise.resolve();

  beforeAll(async () => {
    tg = await startTestGateway(['--shards', '4']);
    const ids = Array.from({ length: 8 }, (_, i) => `dash-${i}`);
    clients.push(...(await Promise.all(ids.map((id) => connectDevice(tg.gateway.mqttPort, id)))));
    // Every device publishes QoS 1 readings one after another; dash-0 and dash-1 publish twice as often, so the
    // shards carry different loads. dash-7 also sends a few malformed payloads (dead letters).
    traffic = Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; running; n++) {
          const payload = i === 7 && n % 25 === 0 ? '{"broken":' : JSON.stringify({ n, temperature: 20 + (i % 4) + (n % 10) / 10, humidity: 40 + i });
          await c.publishAsync(`devices/dash-${i}/telemetry`, payload, { qos: 1 }).catch(() => undefined);
          await new Promise((r) => setTimeout(r, i < 2 ? 10 : 25));
        }
      }),
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    running = false;
    await traffic;
    await browser?.close();
    await closeAll(clients);
    await tg?.stop();
  });

  it('renders live figures and charts from real traffic', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
    const res = await page.goto(`http://127.0.0.1:${tg.gateway.httpPort}/`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toContain('tidegate');

    const text = (id: string): Promise<string> => page.locator(`#${id}`).innerText();
    const number = async (id: string): Promise<number> => {
      const t = (await text(id)).trim();
      const m = /^([\d.]+)(k|M)?/.exec(t);
      return m === null ? NaN : Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'M' ? 1e6 : 1);
    };

    // Live figures: readings/s and connected devices are non-zero; the ack latency is measured.
    await expect.poll(() => number('kpi-rate'), { timeout: 20_000, interval: 250 }).toBeGreaterThan(10);
    await expect.poll(() => number('kpi-devices'), { timeout: 10_000 }).toBe(8);
    await expect.poll(() => text('kpi-p50'), { timeout: 10_000 }).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    await expect.poll(() => number('kpi-dead'), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('#dead').innerText()).toContain('invalid_json');
    await expect.poll(() => page.locator('#ready').innerText(), { timeout: 10_000 }).toBe('ready');
    // Four shards with load, skew reported.
    await expect.poll(() => page.locator('#chart-shards').getAttribute('data-points'), { timeout: 10_000 }).toBe('4');
    expect(await text('skew')).toMatch(/^skew \d\.\d\d×/);
    // The latest readings table lists recently active devices with their readings.
    await expect.poll(() => page.locator('#latest tr').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(8);
    expect(await page.locator('#latest').innerText()).toMatch(/dash-\d[\s\S]*"temperature"/);

    // Charts have several seconds of history and actually drew something.
    await expect
      .poll(async () => Number(await page.locator('#chart-rate').getAttribute('data-points')), { timeout: 20_000, interval: 500 })
      .toBeGreaterThanOrEqual(5);
    // Share of each canvas's pixels that were painted (evaluated in the page; the tests compile without DOM types).
    const inked = await page.evaluate<number[]>(`['chart-rate', 'chart-latency', 'chart-shards', 'chart-connections'].map((id) => {
      const c = document.getElementById(id);
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return painted / (c.width * c.height);
    })`);
    for (const share of inked) expect(share).toBeGreaterThan(0.01);

    // The figures move as traffic flows.
    const totalBefore = await number('kpi-forwarded-sub');
    await expect.poll(() => number('kpi-forwarded-sub'), { timeout: 10_000, interval: 500 }).toBeGreaterThan(totalBefore);

    mkdirSync(OUTPUT, { recursive: true });
    const shot = join(OUTPUT, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${relative(process.cwd(), shot)}`);
    expect(problems).toEqual([]);
    await page.close();
  });
});
