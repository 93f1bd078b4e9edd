/**
 * A gateway in a cluster while its Redis is away: readings keep being acknowledged after Kinesis (routing waits for
 * Redis, ingest does not), /readyz reports the outage so a load balancer can drain the gateway, the connections
 * come back with Redis, and shutdown does not hang on the missing Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { connectDevice } from '../../stack/harness/mqtt-client.js';
import { spawnRedis, type ChildRedis } from '../support/redis.js';
import { waitFor } from '../support/s3.js';

describe('a clustered gateway during a Redis outage', () => {
  let redis: ChildRedis | undefined;
  let gateway: TestGateway | undefined;
  afterAll(async () => {
    await gateway?.stop();
    await redis?.kill();
  });

  it('keeps acknowledging readings, reports the outage, recovers, and stops promptly', async () => {
    redis = await spawnRedis();
    const port = redis.port;
    gateway = await startTestGateway(['--cluster', redis.url]);
    const g = gateway.gateway;
    const cluster = async (): Promise<{ ok: boolean; detail: string } | undefined> =>
      ((await (await fetch(`http://127.0.0.1:${g.httpPort}/readyz`)).json()) as { checks: Record<string, { ok: boolean; detail: string }> }).checks['cluster'];
    const device = await connectDevice(g.mqttPort, 'dev-outage');
    try {
      await device.publishAsync('devices/dev-outage/telemetry', '{"n":1}', { qos: 1 });
      await redis.kill();
      await waitFor(async () => ((await cluster())?.ok === false ? true : undefined), 5000);
      for (let n = 2; n <= 4; n++) await device.publishAsync('devices/dev-outage/telemetry', JSON.stringify({ n }), { qos: 1 });
      expect((await g.metrics.readingsForwarded.get()).values[0]?.value).toBe(4);

      redis = await spawnRedis(port);
      await waitFor(async () => ((await cluster())?.ok === true ? true : undefined), 15_000);
      await device.publishAsync('devices/dev-outage/telemetry', '{"n":5}', { qos: 1 });
      await redis.kill();
    } finally {
      await device.endAsync(true);
    }
    const started = Date.now();
    await gateway.stop();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
