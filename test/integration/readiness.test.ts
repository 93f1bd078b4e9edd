import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startKinesisEndpoint, type KinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import { testKinesisClient } from '../support/kinesis.js';

describe('/readyz follows the stream', () => {
  let tg: TestGateway | undefined;
  let endpoint: KinesisEndpoint | undefined;
  afterEach(async () => {
    await tg?.stop();
    await endpoint?.close();
  });

  it('turns 503 and says why when the stream is deleted, even while no reading is written', async () => {
    // The in-memory Kinesis endpoint: deleting a stream there involves no LevelDB work racing the teardown.
    endpoint = await startKinesisEndpoint();
    tg = await startTestGateway(['--kinesis-endpoint', endpoint.endpoint], {}, { streamWatchIntervalMs: 200 });
    const url = `http://127.0.0.1:${tg.gateway.httpPort}/readyz`;
    const ready = await fetch(url);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { stream: { ok: true, detail: 'stream telemetry ACTIVE and writable' } } });

    const kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    try {
      await kinesis.send(new DeleteStreamCommand({ StreamName: 'telemetry' }));
    } finally {
      kinesis.destroy();
    }
    await expect.poll(async () => (await fetch(url)).status, { timeout: 10_000, interval: 100 }).toBe(503);
    const body = (await (await fetch(url)).json()) as { message: string; checks: { stream: { ok: boolean; detail: string } } };
    expect(body.checks.stream.ok).toBe(false);
    expect(body.message).toMatch(/^not ready: stream: stream telemetry is (DELETING|MISSING): it does not take writes/);
    const logs = tg.logs;
    expect(logs.some((l) => /^stream telemetry is (DELETING|MISSING)/.test(String(l['msg'])) && l['level'] === 40)).toBe(true);
  });
});
