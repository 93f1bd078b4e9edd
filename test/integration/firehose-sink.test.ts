import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { GatewayError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { createMetrics } from '../../gateway/src/metrics.js';
import { createFirehoseClient } from '../../gateway/src/sinks/firehose/client.js';
import { startFirehoseProducer, type FirehoseProducer } from '../../gateway/src/sinks/firehose/producer.js';
import { startTestFirehose, type TestFirehose } from '../support/firehose.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { readLines, TEST_BUCKET, waitFor, waitForLines } from '../support/s3.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function firehose(options: Parameters<typeof startTestFirehose>[0] = {}): Promise<TestFirehose> {
  const fh = await startTestFirehose(options);
  cleanup.push(() => fh.stop());
  return fh;
}

async function gatewayOn(fh: TestFirehose, flags: string[] = []): Promise<TestGateway> {
  const gw = await startTestGateway(['--sink', 'firehose', '--firehose-endpoint', fh.server.endpoint, ...flags]);
  cleanup.push(() => gw.stop());
  return gw;
}

async function devices(port: number, ids: string[]): Promise<MqttClient[]> {
  const clients = await Promise.all(ids.map((id) => connectDevice(port, id)));
  cleanup.push(() => closeAll(clients));
  return clients;
}

interface Line {
  deviceId: string;
  seq: number;
  reading: { i: number };
}

/** Records as the delivery stream accepted them, in acceptance order (the fault hook sees every record). */
function observe(fh: TestFirehose, fail: (record: Line, attempt: number) => boolean = () => false): Line[] {
  const accepted: Line[] = [];
  const attempts = new Map<string, number>();
  fh.server.setRecordFault((data) => {
    const text = data.toString('utf8');
    const record = JSON.parse(text) as Line;
    const attempt = (attempts.get(text) ?? 0) + 1;
    attempts.set(text, attempt);
    if (fail(record, attempt)) return attempt % 2 === 0 ? 'InternalFailure' : 'ServiceUnavailableException';
    accepted.push(record);
    return undefined;
  });
  return accepted;
}

function perDevice(lines: readonly Line[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const l of lines) out.set(l.deviceId, [...(out.get(l.deviceId) ?? []), l.reading.i]);
  return out;
}

describe('--sink firehose', () => {
  it('local mode: QoS 1 readings go through the embedded Firehose API and the transform into S3 as JSON lines', async () => {
    const gw = await startTestGateway(['--sink', 'firehose', '--delivery-buffer-interval-s', '0']);
    cleanup.push(() => gw.stop());
    expect(gw.gateway.sinkEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.gateway.kinesisEndpoint).toBeUndefined();
    const ready = await fetch(`http://127.0.0.1:${gw.gateway.httpPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { stream: { ok: true, detail: 'delivery stream telemetry-to-s3 ACTIVE and writable' } } });
    const ids = ['sim-env-sensor-0101', 'sim-vibration-monitor-0102', 'not-in-catalog-1'];
    const clients = await devices(gw.gateway.mqttPort, ids);
    await Promise.all(
      clients.map(async (c, d) => {
        for (let i = 1; i <= 20; i++) await c.publishAsync(`devices/${ids[d]}/telemetry`, JSON.stringify({ i, temperatureC: 20 + i / 10 }), { qos: 1 });
      }),
    );
    const { createS3Client, LOCAL_S3_CREDENTIALS } = await import('../../stack/s3-server.js');
    const s3 = createS3Client({ endpoint: gw.gateway.s3Endpoint as string, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
    cleanup.push(async () => s3.destroy());
    const lines = (await waitForLines(s3, TEST_BUCKET, '', 60)).map((l) => JSON.parse(l) as Line & { deviceType?: string });
    expect(lines).toHaveLength(60);
    for (const [device, seqs] of perDevice(lines)) {
      expect(ids).toContain(device);
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    // Enriched by the catalog-driven transform on the way.
    expect(lines.find((l) => l.deviceId === 'sim-env-sensor-0101')?.deviceType).toBe('env-sensor');
    const metrics = await gw.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/tidegate_readings_forwarded_total 60/);
    expect(metrics).toMatch(/tidegate_sink_requests_total\{outcome="success",error_code=""\} \d+/);
  });

  it('retries only the records that failed (FailedPutCount > 0), and every device keeps its order', async () => {
    const fh = await firehose();
    // Every record whose reading number is divisible by 3 fails its first two attempts.
    const accepted = observe(fh, (r, attempt) => r.reading.i % 3 === 0 && attempt <= 2);
    const gw = await gatewayOn(fh, ['--retry-base-ms', '5', '--retry-max-ms', '50', '--linger-ms', '5']);
    const ids = Array.from({ length: 8 }, (_, d) => `order-dev-${d}`);
    const clients = await devices(gw.gateway.mqttPort, ids);
    // A window of 20 unacknowledged publishes per device, so each device has a backlog while its retries run.
    await Promise.all(
      clients.map(async (c, d) => {
        const pending: Promise<unknown>[] = [];
        for (let i = 1; i <= 60; i++) {
          pending.push(c.publishAsync(`devices/${ids[d]}/telemetry`, JSON.stringify({ i }), { qos: 1 }));
          if (pending.length >= 20) await pending.shift();
        }
        await Promise.all(pending);
      }),
    );
    expect(accepted).toHaveLength(8 * 60);
    for (const [, seqs] of perDevice(accepted)) expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const metrics = await gw.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/tidegate_sink_entries_failed_total\{error_code="ServiceUnavailableException"\} 160/);
    expect(metrics).toMatch(/tidegate_sink_entries_failed_total\{error_code="InternalFailure"\} 160/);
    // What reached S3 is exactly what was accepted: no record was stored twice.
    const stored = await waitForLines(fh.s3.client, TEST_BUCKET, '', 480);
    expect(stored).toHaveLength(480);
  });

  it('acknowledges a QoS 1 reading only after Firehose accepted it', async () => {
    const fh = await firehose();
    let refusing = true;
    observe(fh, (r) => refusing && r.deviceId === 'held-dev');
    const gw = await gatewayOn(fh, ['--retry-base-ms', '20', '--retry-max-ms', '100']);
    const [held, free] = await devices(gw.gateway.mqttPort, ['held-dev', 'free-dev']);
    let acked = false;
    const ack = (held as MqttClient).publishAsync('devices/held-dev/telemetry', JSON.stringify({ i: 1 }), { qos: 1 }).then(() => {
      acked = true;
    });
    // Another device is not held up by it.
    await (free as MqttClient).publishAsync('devices/free-dev/telemetry', JSON.stringify({ i: 1 }), { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(acked).toBe(false);
    expect(gw.gateway.bridge.stats().bufferedReadings).toBe(1);
    refusing = false;
    await ack;
    expect(acked).toBe(true);

    // Whole requests failing (503; the gateway's client makes one attempt, the bridge retries) hold it too.
    fh.server.failNextRequests(3, 'ServiceUnavailableException');
    const started = Date.now();
    await (held as MqttClient).publishAsync('devices/held-dev/telemetry', JSON.stringify({ i: 2 }), { qos: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
    const metrics = await gw.gateway.metrics.registry.metrics();
    expect(metrics).toMatch(/tidegate_sink_requests_total\{outcome="error",error_code="ServiceUnavailableException"\} 3/);
  });

  it('--ack spool: acknowledged once spooled, then drained into the delivery stream', async () => {
    const fh = await firehose();
    const accepted = observe(fh);
    const gw = await gatewayOn(fh, ['--ack', 'spool']);
    const [c] = await devices(gw.gateway.mqttPort, ['spool-dev']);
    for (let i = 1; i <= 30; i++) await (c as MqttClient).publishAsync('devices/spool-dev/telemetry', JSON.stringify({ i }), { qos: 1 });
    await waitFor(async () => (accepted.length === 30 ? true : undefined), 10_000);
    expect(accepted.map((r) => r.reading.i)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('refuses to start when the delivery stream does not exist', async () => {
    const fh = await firehose();
    const started = startTestGateway(['--sink', 'firehose', '--firehose-endpoint', fh.server.endpoint, '--delivery-stream', 'missing-stream']);
    await expect(started).rejects.toSatisfy(
      (err: unknown) => err instanceof GatewayError && err.code === 'GW_ERR_STREAM_NOT_READY' && /missing-stream does not exist/.test(err.message),
    );
    expect(await readLines(fh.s3.client, TEST_BUCKET, '')).toEqual([]);
  });
});

describe('Firehose producer against the local API: PutRecordBatch limits', () => {
  async function producer(fh: TestFirehose): Promise<FirehoseProducer> {
    const client = createFirehoseClient({ endpoint: fh.server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const p = startFirehoseProducer({
      dataClient: client,
      deliveryStream: 'telemetry-to-s3',
      metrics: createMetrics(),
      logger: createLogger({ level: 'silent' }),
      recordsPerSecond: 0,
      bytesPerSecond: 0,
      headroomPercent: 100,
      bridge: { lingerMs: 50, maxInFlight: 2, maxBufferedReadings: 100_000, maxBufferedBytes: 256 * 1024 * 1024 },
    });
    cleanup.push(async () => {
      await p.close();
      client.destroy();
    });
    return p;
  }

  const submitAll = (p: FirehoseProducer, items: Array<[string, Buffer]>): Promise<void[]> =>
    Promise.all(
      items.map(
        ([device, data]) =>
          new Promise<void>((resolve, reject) => p.bridge.submit(device, data, (err) => (err === undefined ? resolve() : reject(err)))),
      ),
    );

  it('never sends more than 500 records in one call, and fills calls up to it', async () => {
    const fh = await firehose({ bufferSizeMB: 5 });
    const p = await producer(fh);
    await submitAll(p, Array.from({ length: 1200 }, (_, i): [string, Buffer] => [`dev-${i}`, Buffer.from(`{"i":${i}}`)]));
    const sizes = fh.server.requests.map((r) => r.records);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1200);
    expect(Math.max(...sizes)).toBe(500);
    expect(fh.server.requests.filter((r) => r.records === 500).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps calls under 4 MiB and records under 1,000 KiB, newline included', async () => {
    const fh = await firehose({ bufferSizeMB: 16 });
    const p = await producer(fh);
    const big = (i: number, size: number): Buffer => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(size) }));
    await submitAll(p, Array.from({ length: 12 }, (_, i): [string, Buffer] => [`big-${i}`, big(i, 900_000)]));
    // The largest record the sink takes: 1,024,000 bytes on the wire with its newline.
    const max = big(99, 0);
    const exact = Buffer.concat([max.subarray(0, max.length - 1), Buffer.alloc(1_024_000 - 1 - max.length, 0x20), Buffer.from('}')]);
    expect(exact.length).toBe(1_023_999);
    await submitAll(p, [['exact', exact]]);
    expect(Math.max(...fh.server.requests.map((r) => r.bytes))).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(fh.server.requests.reduce((n, r) => n + r.records, 0)).toBe(13);
    expect(fh.server.requests.some((r) => r.bytes === 1_024_000)).toBe(true);
    // One byte more cannot be sent at all: it is refused without a request.
    await expect(submitAll(p, [['too-big', Buffer.concat([exact, Buffer.from(' ')])]])).rejects.toMatchObject({ code: 'GW_ERR_SINK_FATAL' });
  });
});
