import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDevice } from '../support/devices.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';

// HTTP ingest wired to the device registry and the per-device rate limits of `--auth required`.
describe('HTTP ingest with device authentication', () => {
  let tg: TestGateway;
  let kinesis: KinesisClient;
  let secret: string;
  beforeAll(async () => {
    tg = await startTestGateway(['--auth', 'required', '--login-backoff-base-ms', '0', '--device-messages-per-second', '5']);
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    secret = await addDevice(tg.dataDir, 'http-auth-1');
  });
  afterAll(async () => {
    kinesis?.destroy();
    await tg?.stop();
  });

  const post = (id: string, body: string, authorization?: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${tg.gateway.httpPort}/v1/devices/${id}/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body,
    });
  const basic = (id: string, password: string): string => `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;

  it('accepts the registered device with its secret (Basic or Bearer) and forwards what it sent', async () => {
    expect((await post('http-auth-1', '{"n":1}', basic('http-auth-1', secret))).status).toBe(202);
    expect((await post('http-auth-1', '{"n":2}', `Bearer ${secret}`)).status).toBe(202);
    const records = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'http-auth-1');
    expect(records.map((r) => parseRecord(r).reading)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses anonymous requests, wrong secrets and another device\'s credentials, and stores nothing of them', async () => {
    const other = await addDevice(tg.dataDir, 'http-auth-2');
    const refused = [
      await post('http-auth-1', '{"n":99}'),
      await post('http-auth-1', '{"n":99}', basic('http-auth-1', 'not-the-secret-0123456789')),
      await post('http-auth-1', '{"n":99}', basic('http-auth-2', other)),
    ];
    for (const res of refused) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    const records = (await readStream(kinesis, 'telemetry')).map(parseRecord);
    expect(records.some((r) => (r.reading as { n?: number }).n === 99)).toBe(false);
  });

  it('answers 429 with Retry-After once the device is over its message rate', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await post('http-auth-1', JSON.stringify({ burst: i }), `Bearer ${secret}`);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toContain(429);
    expect(statuses[0]).toBe(202);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
