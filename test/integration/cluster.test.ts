/**
 * Scale-out: two gateway processes share MQTT sessions and routing through a real redis-server (--cluster), both
 * writing to one Kinesis stream. Devices on either gateway reach Kinesis in per-device order; a persistent session
 * follows its device to the other gateway, with the messages queued while it was offline; a command sent through
 * one gateway's operator API reaches a device connected to the other.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { connectCluster } from '../../gateway/src/broker/cluster.js';
import { isTidegateError } from '../../common/errors.js';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { spawnKinesis, type ChildKinesis } from '../../stack/harness/kinesis-process.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice, waitForClose } from '../../stack/harness/mqtt-client.js';
import { spawnRedis, type ChildRedis } from '../support/redis.js';
import { waitFor } from '../support/s3.js';
import { makeTempDir } from '../support/tmp.js';

const TOKEN = 'operator-token-for-the-cluster-test';
const STREAM = 'telemetry';

interface Received {
  topic: string;
  payload: string;
}

/** Collects the messages a client receives. */
function inbox(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  return got;
}

async function postCommand(gateway: ChildGateway, path: string, body: string, token: string | null = TOKEN): Promise<Response> {
  return fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    body,
  });
}

async function connections(gateway: ChildGateway): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return Number(/^tidegate_connections (\S+)$/m.exec(text)?.[1]);
}

describe('two gateways sharing sessions and routing through Redis', () => {
  const dir = makeTempDir('tidegate-cluster-');
  let redis: ChildRedis;
  let kinesis: ChildKinesis;
  let a: ChildGateway;
  let b: ChildGateway;
  const clients: MqttClient[] = [];

  const gatewayArgs = (name: string): string[] => [
    '--mode', 'local', '--delivery', 'off', '--kinesis-endpoint', kinesis.endpoint, '--shards', '4',
    '--cluster', redis.url, '--http-token', TOKEN, '--data-dir', join(dir.path, name), '--linger-ms', '5',
  ];

  beforeAll(async () => {
    redis = await spawnRedis();
    kinesis = await spawnKinesis(join(dir.path, 'kinesis'));
    a = await spawnGateway(gatewayArgs('a'));
    b = await spawnGateway(gatewayArgs('b'));
  });

  afterAll(async () => {
    await closeAll(clients);
    await Promise.all([a, b].filter((g) => g !== undefined).map((g) => g.kill()));
    await kinesis?.kill();
    await redis?.kill();
    dir.remove();
  });

  const device = async (gateway: ChildGateway, id: string, options = {}): Promise<MqttClient> => {
    const client = await connectDevice(gateway.mqttPort, id, options);
    clients.push(client);
    return client;
  };

  it('reports the cluster in /readyz', async () => {
    for (const g of [a, b]) {
      const body = (await (await fetch(`http://127.0.0.1:${g.httpPort}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { checks: Record<string, { ok: boolean }> };
      expect(body.checks['cluster']?.ok).toBe(true);
    }
  });

  // Routing across the cluster is what the command tests below show: a device may subscribe only to its own
  // command topics (README, Security), so no device can watch another one's readings.
  it('forwards readings from devices on both gateways to Kinesis in per-device order', async () => {
    const perDevice = 40;
    const ids = ['dev-a1', 'dev-a2', 'dev-a3', 'dev-b1', 'dev-b2', 'dev-b3'];
    await Promise.all(
      ids.map(async (id) => {
        const client = await device(id.startsWith('dev-a') ? a : b, id);
        for (let n = 0; n < perDevice; n++) await client.publishAsync(`devices/${id}/telemetry`, JSON.stringify({ n }), { qos: 1 });
      }),
    );
    const kc = testKinesisClient(kinesis.endpoint);
    try {
      const records = (await readStream(kc, STREAM)).map(parseRecord).filter((r) => ids.includes(r.deviceId));
      for (const id of ids) {
        const mine = records.filter((r) => r.deviceId === id);
        expect(mine.map((r) => r.reading['n']), id).toEqual([...Array(perDevice).keys()]);
        expect(mine.map((r) => r.seq), id).toEqual([...Array(perDevice).keys()].map((i) => i + 1));
        expect(new Set(mine.map((r) => r.epoch)).size, id).toBe(1);
      }
      // Each gateway run has its own epoch.
      const epochOf = (id: string): number | undefined => records.find((r) => r.deviceId === id)?.epoch;
      expect(epochOf('dev-a1')).not.toBe(epochOf('dev-b1'));
    } finally {
      kc.destroy();
    }
  });

  it('keeps a persistent session when its device reconnects to the other gateway, with what was queued meanwhile', async () => {
    const id = 'dev-move';
    const before = await connections(a);
    const first = await device(a, id, { clean: false });
    await first.subscribeAsync(`devices/${id}/commands/#`, { qos: 1 });
    await first.endAsync();
    await waitFor(async () => ((await connections(a)) === before ? true : undefined), 10_000);

    // Offline: the command waits in the session (in Redis).
    const queued = await postCommand(a, `/v1/devices/${id}/commands/config`, '{"interval":30}');
    expect(queued.status).toBe(202);

    // The queued message may arrive right behind the CONNACK: listen before connecting.
    const second = mqtt.connect({ host: '127.0.0.1', port: b.mqttPort, clientId: id, protocolVersion: 4, clean: false, reconnectPeriod: 0 });
    clients.push(second);
    const got = inbox(second);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      second.once('connect', resolve);
      second.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true);
    await waitFor(async () => (got.length >= 1 ? true : undefined), 10_000);
    expect(got[0]).toEqual({ topic: `devices/${id}/commands/config`, payload: '{"interval":30}' });
    // The subscription came with the session: no SUBSCRIBE on B, yet a new command reaches it there.
    expect((await postCommand(a, `/v1/devices/${id}/commands/ping`, 'now')).status).toBe(202);
    await waitFor(async () => (got.some((m) => m.topic === `devices/${id}/commands/ping`) ? true : undefined), 10_000);
  });

  it('delivers a command sent through gateway A to a device connected to gateway B', async () => {
    const id = 'dev-cmd';
    const client = await device(b, id);
    const got = inbox(client);
    await client.subscribeAsync(`devices/${id}/commands/#`, { qos: 1 });

    const res = await postCommand(a, `/v1/devices/${id}/commands/reboot`, '{"delay_s":5}');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'published', topic: `devices/${id}/commands/reboot`, qos: 1, bytes: 13 });
    expect((await postCommand(a, `/v1/devices/${id}/commands`, 'hello')).status).toBe(202);
    await waitFor(async () => (got.length >= 2 ? true : undefined), 10_000);
    expect(got).toEqual([
      { topic: `devices/${id}/commands/reboot`, payload: '{"delay_s":5}' },
      { topic: `devices/${id}/commands/default`, payload: 'hello' },
    ]);

    // Operators only.
    const noToken = await postCommand(a, `/v1/devices/${id}/commands/reboot`, 'x', null);
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: string }).error).toBe('unauthorized');
    expect((await postCommand(a, `/v1/devices/${id}/commands/reboot`, 'x', 'wrong-token-of-enough-length')).status).toBe(401);
    expect((await postCommand(a, `/v1/devices/bad%2Fid/commands`, 'x')).status).toBe(400);
    expect((await postCommand(a, `/v1/devices/${id}/commands/%23`, 'x')).status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got).toHaveLength(2);
  });

  it('closes the older connection when a device id connects to the other gateway', async () => {
    const id = 'dev-twice';
    const baseline = await connections(a);
    const old = await device(a, id);
    await waitFor(async () => ((await connections(a)) === baseline + 1 ? true : undefined), 10_000);
    // Nothing closes it but the takeover: it is still open once settled on A, with no other connection of its id.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(old.connected).toBe(true);

    const closed = waitForClose(old, 10_000);
    const newer = await device(b, id);
    await closed;
    expect(old.connected).toBe(false);
    // Gateway A let go of it (its connection gauge is back where it was), while the newer connection stays open on B
    // and holds the device's routing: a command sent through A reaches it there.
    await waitFor(async () => ((await connections(a)) === baseline ? true : undefined), 10_000);
    const got = inbox(newer);
    await newer.subscribeAsync(`devices/${id}/commands/#`, { qos: 1 });
    expect((await postCommand(a, `/v1/devices/${id}/commands/ping`, 'after-takeover')).status).toBe(202);
    await waitFor(async () => (got.length >= 1 ? true : undefined), 10_000);
    expect(got).toEqual([{ topic: `devices/${id}/commands/ping`, payload: 'after-takeover' }]);
    expect(newer.connected).toBe(true);
  });

  it('reserves a distinct epoch for each gateway run, even for the same start millisecond', async () => {
    const logger = pino({ level: 'silent' });
    const [x, y] = await Promise.all([connectCluster({ url: redis.url, logger }), connectCluster({ url: redis.url, logger })]);
    try {
      const start = Date.now() + 1_000_000;
      const epochs = await Promise.all([x.reserveEpoch(start), y.reserveEpoch(start), x.reserveEpoch(start)]);
      expect(new Set(epochs).size).toBe(3);
      for (const e of epochs) expect(e).toBeGreaterThanOrEqual(start);
    } finally {
      await Promise.all([x.destroy(), y.destroy()]);
    }
  });

  it('fails fast with GW_ERR_CLUSTER when Redis does not answer', async () => {
    const err = await connectCluster({ url: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }), connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(isTidegateError(err, 'GW_ERR_CLUSTER')).toBe(true);
  });

  it('stops both gateways cleanly, closing their Redis connections', async () => {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});
