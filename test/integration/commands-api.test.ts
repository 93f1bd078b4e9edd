/** The downlink API on a single gateway (no cluster): operator token required, input checked, command delivered. */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { waitFor } from '../support/s3.js';

const TOKEN = 'single-gateway-operator-token';

describe('POST /v1/devices/{id}/commands', () => {
  let open: TestGateway;
  let closed: TestGateway;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    open = await startTestGateway(['--http-token', TOKEN, '--max-payload-bytes', '1024']);
    closed = await startTestGateway();
  });
  afterAll(async () => {
    await closeAll(clients);
    await open?.stop();
    await closed?.stop();
  });

  const url = (g: TestGateway, path: string): string => `http://127.0.0.1:${g.gateway.httpPort}${path}`;
  const post = (g: TestGateway, path: string, body: string | Buffer, token = TOKEN): Promise<Response> =>
    fetch(url(g, path), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });

  it('refuses every request while no operator token is configured', async () => {
    const res = await post(closed, '/v1/devices/dev-1/commands/reboot', 'x');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'operator_api_disabled' });
  });

  it('publishes to a device connected here, at the QoS asked for, and counts the outcomes', async () => {
    const client = await connectDevice(open.gateway.mqttPort, 'dev-1');
    clients.push(client);
    const got: { topic: string; payload: string; qos: number }[] = [];
    client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
    await client.subscribeAsync('devices/dev-1/commands/#', { qos: 1 });
    expect((await post(open, '/v1/devices/dev-1/commands/fw/update?qos=0', 'v2')).status).toBe(202);
    expect((await post(open, '/v1/devices/dev-1/commands/led', 'on')).status).toBe(202);
    await waitFor(async () => (got.length === 2 ? true : undefined), 5000);
    expect(got).toEqual([
      { topic: 'devices/dev-1/commands/fw/update', payload: 'v2', qos: 0 },
      { topic: 'devices/dev-1/commands/led', payload: 'on', qos: 1 },
    ]);
    const metrics = await (await fetch(url(open, '/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/^tidegate_commands_total\{outcome="published"\} 2$/m);
  });

  it('answers bad requests with a JSON error and publishes nothing', async () => {
    expect((await fetch(url(open, '/v1/devices/dev-1/commands'))).status).toBe(405);
    expect((await post(open, '/v1/devices/dev-1/commands', Buffer.alloc(1025))).status).toBe(413);
    expect((await post(open, '/v1/devices/dev-1/commands?qos=2', 'x')).status).toBe(400);
    expect((await post(open, '/v1/devices/dev-1/commands/a//b', 'x')).status).toBe(400);
    expect((await post(open, '/v1/devices/dev-1/commands/+', 'x')).status).toBe(400);
    const res = await post(open, '/v1/devices/dev-1/commands', 'x', 'not-the-operator-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    // With the token set, the other operator endpoints want it too; /healthz stays open for liveness probes.
    expect((await fetch(url(open, '/healthz'))).status).toBe(200);
    expect((await fetch(url(open, '/metrics'))).status).toBe(401);
  });
});
