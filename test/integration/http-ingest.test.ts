import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKinesisEndpoint, type KinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';

const JSON_TYPE = { 'content-type': 'application/json' };

async function post(
  tg: TestGateway,
  id: string,
  body: string | Buffer,
  headers: Record<string, string> = JSON_TYPE,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/v1/devices/${id}/telemetry`, {
    method: 'POST',
    headers,
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
}

async function streamOf(tg: TestGateway, deviceId: string): Promise<{ text: string; seq: number; reading: Record<string, unknown> }[]> {
  const kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
  try {
    return (await readStream(kinesis, 'telemetry'))
      .filter((r) => r.partitionKey === deviceId)
      .map((r) => ({ text: r.data.toString('utf8'), seq: parseRecord(r).seq, reading: parseRecord(r).reading }));
  } finally {
    kinesis.destroy();
  }
}

async function metricsText(tg: TestGateway): Promise<string> {
  return (await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/metrics`)).text();
}

function deadLetters(tg: TestGateway): Record<string, unknown>[] {
  try {
    return readFileSync(join(tg.dataDir, 'dead-letter.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/** A raw request, for what fetch cannot do: announce a size, stream slowly, stop half-way. */
function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  write: (req: ReturnType<typeof request>) => void,
): Promise<{ status: number; body: Record<string, unknown>; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, connection: res.headers.connection }),
      );
    });
    req.on('error', reject);
    write(req);
  });
}

describe('HTTP ingest: anonymous (local mode)', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(['--http-max-body-bytes', '4096', '--http-read-timeout-ms', '400']);
  });
  afterAll(async () => tg?.stop());

  it('answers 202 only once the reading is in the stream, byte for byte', async () => {
    const res = await post(tg, 'http-dev-1', '{"temperature":21.5, "big":12345678901234567890}');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 1 });
    const stored = await streamOf(tg, 'http-dev-1');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.text).toContain('"reading":{"temperature":21.5, "big":12345678901234567890}}');
    const m = await metricsText(tg);
    expect(m).toMatch(/^tidegate_readings_received_total\{qos="1",protocol="http"\} 1$/m);
    expect(m).toMatch(/^tidegate_ack_latency_seconds_count\{qos="1",protocol="http"\} 1$/m);
    expect(m).toMatch(/^tidegate_http_requests_total\{route="ingest",code="202"\} 1$/m);
  });

  it('takes an array as readings in order, each spliced in unchanged', async () => {
    const res = await post(tg, 'http-dev-2', ' [ {"n":1} ,{"n":2,"s":"a,]}\\"b"},\n{"n":3.0,"nested":[1,{"x":[]}]} ] ');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 3 });
    const stored = await streamOf(tg, 'http-dev-2');
    expect(stored.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(stored.map((r) => r.reading['n'])).toEqual([1, 2, 3]);
    expect(stored[1]?.text).toContain('"reading":{"n":2,"s":"a,]}\\"b"}}');
    expect(stored[2]?.text).toContain('"reading":{"n":3.0,"nested":[1,{"x":[]}]}}');
  });

  it('refuses a request with an invalid reading as a whole, names it, and dead-letters it like MQTT', async () => {
    const res = await post(tg, 'http-dev-3', '[{"n":1}, 42, {"n":3}]');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'not_json_object', index: 1, invalid: [{ index: 1, reason: 'not_json_object' }] });
    expect(String(res.body['message'])).toContain('reading 1');
    const bad = await post(tg, 'http-dev-3', '{"n":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_json' });
    const scalar = await post(tg, 'http-dev-3', '"just a string"');
    expect(scalar.body).toMatchObject({ error: 'not_json_object' });
    expect(await streamOf(tg, 'http-dev-3')).toEqual([]);
    await expect.poll(() => deadLetters(tg).filter((d) => d['clientId'] === 'http-dev-3').length).toBe(3);
    const letters = deadLetters(tg).filter((d) => d['clientId'] === 'http-dev-3');
    expect(letters.map((d) => d['reason'])).toEqual(['not_json_object', 'invalid_json', 'not_json_object']);
    expect(letters[0]?.['topic']).toBe('devices/http-dev-3/telemetry');
    const m = await metricsText(tg);
    expect(m).toMatch(/^tidegate_readings_rejected_total\{reason="not_json_object"\} 2$/m);
    // The valid readings of the refused request were not forwarded: the device can resend the whole request.
    const ok = await post(tg, 'http-dev-3', '[{"n":1},{"n":3}]');
    expect(ok.status).toBe(202);
    expect((await streamOf(tg, 'http-dev-3')).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('answers clear JSON errors for ids, media types, methods and empty batches', async () => {
    expect(await post(tg, 'bad%2Fid', '{}')).toMatchObject({ status: 400, body: { error: 'invalid_device_id' } });
    expect(await post(tg, 'x'.repeat(129), '{}')).toMatchObject({ status: 400, body: { error: 'invalid_device_id' } });
    expect(await post(tg, 'dev', '{}', { 'content-type': 'text/plain' })).toMatchObject({
      status: 415, body: { error: 'unsupported_media_type' },
    });
    expect(await post(tg, 'dev', '[]')).toMatchObject({ status: 400, body: { error: 'empty_batch' } });
    const many = JSON.stringify(Array.from({ length: 501 }, () => ({})));
    expect(await post(tg, 'dev', many)).toMatchObject({ status: 400, body: { error: 'too_many_readings' } });
    const get = await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/v1/devices/dev/telemetry`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('refuses a body over the limit before reading it (Content-Length) and while streaming (chunked)', async () => {
    const port = tg.gateway.httpPort;
    const announced = await rawRequest(port, '/v1/devices/big/telemetry', { ...JSON_TYPE, 'content-length': '100000' }, (req) => {
      req.write('{"a":"'); // the rest never comes: the gateway must answer without waiting for it
    });
    expect(announced.status).toBe(413);
    expect(announced.body).toMatchObject({ error: 'body_too_large', limit: 4096 });
    expect(announced.connection).toBe('close');

    const streamed = await rawRequest(port, '/v1/devices/big/telemetry', { ...JSON_TYPE, 'transfer-encoding': 'chunked' }, (req) => {
      req.write('{"a":"');
      const chunk = 'x'.repeat(1024);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent++ > 20 || req.destroyed) {
          clearInterval(timer);
          return;
        }
        req.write(chunk, () => undefined);
      }, 5);
      req.on('error', () => clearInterval(timer));
    }).catch((err: unknown) => ({ status: -1, body: { err: String(err) }, connection: undefined }));
    expect(streamed.status).toBe(413);
    expect(await streamOf(tg, 'big')).toEqual([]);
  });

  it('answers 408 to a client that does not finish its body in time', async () => {
    const started = Date.now();
    const slow = await rawRequest(tg.gateway.httpPort, '/v1/devices/slow/telemetry', { ...JSON_TYPE, 'content-length': '20' }, (req) => {
      req.write('{"n":');
    });
    expect(slow.status).toBe(408);
    expect(slow.body).toMatchObject({ error: 'request_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });
});

describe('HTTP ingest: authentication and admission hooks', () => {
  let tg: TestGateway;
  const secrets = new Map([['sensor-a', 's3cret-a'], ['sensor-b', 's3cret-b']]);
  const admitted: Array<[string, number, number]> = [];
  beforeAll(async () => {
    tg = await startTestGateway([], {}, {
      httpAuthenticator: { verify: async (id, secret) => secrets.get(id) === secret },
      httpAdmit: (id, messages, bytes) => {
        admitted.push([id, messages, bytes]);
        return id !== 'sensor-b';
      },
    });
  });
  afterAll(async () => tg?.stop());

  const basic = (user: string, secret: string): Record<string, string> => ({
    ...JSON_TYPE,
    authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`,
  });

  it('requires the path device\'s credentials: Basic with its id, or its secret as a bearer token', async () => {
    const none = await post(tg, 'sensor-a', '{"t":1}');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'unauthorized' });
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="tidegate"/);
    expect((await post(tg, 'sensor-a', '{"t":1}', basic('sensor-a', 'wrong'))).status).toBe(401);
    // Another device's valid credentials do not let it publish as sensor-a.
    expect((await post(tg, 'sensor-a', '{"t":1}', basic('sensor-b', 's3cret-b'))).status).toBe(401);
    expect((await post(tg, 'sensor-a', '{"t":1}', { ...JSON_TYPE, authorization: 'Bearer s3cret-b' })).status).toBe(401);
    expect((await post(tg, 'sensor-a', '{"t":1}', { ...JSON_TYPE, authorization: 'Digest abc' })).status).toBe(401);

    expect(await post(tg, 'sensor-a', '{"t":1}', basic('sensor-a', 's3cret-a'))).toMatchObject({ status: 202 });
    expect(await post(tg, 'sensor-a', '[{"t":2},{"t":3}]', { ...JSON_TYPE, authorization: 'Bearer s3cret-a' })).toMatchObject({
      status: 202, body: { accepted: 2 },
    });
    expect((await streamOf(tg, 'sensor-a')).map((r) => r.reading['t'])).toEqual([1, 2, 3]);
    expect(admitted).toContainEqual(['sensor-a', 2, '[{"t":2},{"t":3}]'.length]);
  });

  it('answers 429 with Retry-After when admission refuses, and forwards nothing', async () => {
    const res = await post(tg, 'sensor-b', '{"t":1}', basic('sensor-b', 's3cret-b'));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: 'rate_limited' });
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await streamOf(tg, 'sensor-b')).toEqual([]);
  });
});

describe('HTTP ingest under backpressure', () => {
  let endpoint: KinesisEndpoint | undefined;
  let tg: TestGateway | undefined;
  afterEach(async () => {
    await tg?.stop();
    await endpoint?.close();
  });

  it('answers 503 with Retry-After while the buffers are full, and 202 to the waiting request once Kinesis took it', async () => {
    endpoint = await startKinesisEndpoint({ latencyMs: 1500 });
    tg = await startTestGateway([
      '--kinesis-endpoint', endpoint.endpoint, '--max-buffered-readings', '2', '--max-in-flight', '1', '--linger-ms', '0',
    ]);
    const gw = tg;
    const first = post(gw, 'bp-1', '[{"n":1},{"n":2},{"n":3}]');
    await expect.poll(() => gw.gateway.bridge.overloaded, { timeout: 5000 }).toBe(true);
    const refused = await post(gw, 'bp-2', '{"n":1}');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'backpressure' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await first).toMatchObject({ status: 202, body: { accepted: 3 } });
    expect(await post(gw, 'bp-2', '{"n":1}')).toMatchObject({ status: 202 });
  });
});
