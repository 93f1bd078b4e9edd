import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.js';
import { makeTempDir } from '../support/tmp.js';

/**
 * The "done when", against the compiled gateway in local mode (what `npm start` runs) and a real
 * Prometheus server scraping it every second.
 */
describe('operators\' view: health, Prometheus metrics and HTTP ingest end to end', () => {
  const dir = makeTempDir();
  let gw: ChildGateway;
  let prom: PrometheusServer | undefined;
  let base: string;

  beforeAll(async () => {
    gw = await spawnGateway([
      '--mode', 'local', '--data-dir', dir.path, '--local-kinesis-port', '0', '--local-s3-port', '0',
    ]);
    base = `http://127.0.0.1:${gw.httpPort}`;
  });
  afterAll(async () => {
    await prom?.close();
    if (gw !== undefined) {
      gw.child.kill('SIGTERM');
      const code = await Promise.race([gw.exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
      if (code === 'timeout') await gw.kill();
    }
    dir.remove();
  });

  it('answers /healthz and /readyz with 200', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['mqtt', 'stream', 'backpressure', 'lifecycle']));
  });

  it('is scraped by a real Prometheus: ≥ 10 tidegate_ series, counters rise with traffic, histograms present', async () => {
    prom = await startPrometheus([`127.0.0.1:${gw.httpPort}`]);
    const p = prom;
    const scalar = async (expr: string): Promise<number | undefined> => (await p.query(expr))[0]?.value;

    // The target is up and its exposition parses; a scrape before any traffic recorded the counter at 0.
    await expect.poll(async () => (await p.targets()).map((t) => [t.health, t.lastError]), { timeout: 30_000, interval: 250 })
      .toEqual([['up', '']]);
    await expect.poll(() => scalar('tidegate_readings_forwarded_total'), { timeout: 15_000, interval: 250 }).toBe(0);

    // Traffic: MQTT QoS 1 from a few devices, and one HTTP reading.
    const devices = ['ops-a', 'ops-b', 'ops-c'];
    const clients = await Promise.all(devices.map((id) => connectDevice(gw.mqttPort, id)));
    try {
      await Promise.all(
        clients.map(async (c, i) => {
          for (let n = 0; n < 20; n++) await c.publishAsync(`devices/${devices[i]}/telemetry`, `{"n":${n}}`, { qos: 1 });
        }),
      );
    } finally {
      await closeAll(clients);
    }
    const http = await fetch(`${base}/v1/devices/http-dev-1/telemetry`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"temperature":19.25,"via":"http"}',
    });
    expect(http.status).toBe(202);

    await expect.poll(() => scalar('tidegate_readings_forwarded_total'), { timeout: 15_000, interval: 250 }).toBe(61);
    expect(await scalar('sum(tidegate_readings_received_total{protocol="mqtt"})')).toBe(60);
    expect(await scalar('tidegate_readings_received_total{protocol="http",qos="1"}')).toBe(1);
    expect(await scalar('tidegate_connections_total')).toBeGreaterThanOrEqual(3);
    expect(await scalar('sum(tidegate_shard_readings_total)')).toBe(61);
    expect(await scalar('sum(tidegate_sink_requests_total{outcome="success"})')).toBeGreaterThan(0);

    const names = (await p.query('count by (__name__) ({__name__=~"tidegate_.+"})')).map((r) => r.metric['__name__']);
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(names).toEqual(expect.arrayContaining([
      'tidegate_ack_latency_seconds_bucket', 'tidegate_sink_put_duration_seconds_bucket', 'tidegate_batch_records_bucket',
      'tidegate_shard_bytes_total', 'tidegate_backpressure', 'tidegate_http_requests_total',
    ]));
    const p99 = await scalar('histogram_quantile(0.99, sum by (le) (tidegate_ack_latency_seconds_bucket))');
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(30);
    expect(await scalar('tidegate_ack_latency_seconds_count{protocol="http"}')).toBe(1);
    // The standard process metrics, under their usual names.
    expect(await scalar('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await p.query('nodejs_eventloop_lag_p99_seconds')).length).toBe(1);
  });

  it('put the HTTP reading in the stream', async () => {
    const kinesis = testKinesisClient(gw.kinesisEndpoint);
    try {
      const records = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'http-dev-1');
      expect(records.map((r) => parseRecord(r).reading)).toEqual([{ temperature: 19.25, via: 'http' }]);
    } finally {
      kinesis.destroy();
    }
  });

  it('logs JSON lines with context (the child is not a terminal), connections included', async () => {
    const started = gw.logs.find((l) => String(l['msg']).startsWith('tidegate started'));
    expect(started).toMatchObject({ level: 30, service: 'tidegate' });
    expect(gw.logs.some((l) => l['msg'] === 'kinesis stream ready' && l['stream'] === 'telemetry')).toBe(true);
    await expect.poll(() => gw.logs.filter((l) => l['msg'] === 'connection closed').length, { timeout: 5000 }).toBe(3);
    const accepted = gw.logs.find((l) => l['msg'] === 'connection accepted' && l['clientId'] === 'ops-a');
    expect(accepted).toMatchObject({ level: 30, event: 'connection_accepted' });
    expect(String(accepted?.['remoteAddress'])).toMatch(/^127\.0\.0\.1:\d+$/);
    const closed = gw.logs.find((l) => l['msg'] === 'connection closed' && l['clientId'] === 'ops-a');
    expect(closed?.['connectedSeconds']).toBeGreaterThan(0);
  });
});
