import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { addDevice, devicesCli, metricValue, tryConnect } from '../support/devices.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice, waitForClose } from '../../stack/harness/mqtt-client.js';

const run = promisify(execFile);

/** mosquitto_pub (a client this project did not write): resolves with its exit code and stderr. */
async function mosquittoPub(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run('mosquitto_pub', ['-h', '127.0.0.1', '-V', 'mqttv311', '-q', '1', ...args], { timeout: 10_000 });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

describe('device authentication and authorization (--auth required)', () => {
  let tg: TestGateway;
  let kinesis: KinesisClient;
  const open: MqttClient[] = [];
  const secrets: string[] = [];
  const wrong = 'this-is-not-the-secret-0123456789';
  const token = 'operator-token-0123456789abcdef';
  const auth = { authorization: `Bearer ${token}` };

  beforeAll(async () => {
    tg = await startTestGateway(['--auth', 'required', '--login-backoff-base-ms', '0', '--http-token', token]);
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
  });
  afterAll(async () => {
    await closeAll(open);
    kinesis?.destroy();
    await tg?.stop();
  });

  const port = (): number => tg.gateway.mqttPort;
  const metric = (sample: string): Promise<number> => metricValue(tg.gateway.httpPort, sample, auth);

  it('admits a device added while the gateway runs, with its secret, and forwards its readings', async () => {
    const secret = await addDevice(tg.dataDir, 'auth-dev-1');
    secrets.push(secret);
    const dev = await connectDevice(port(), 'auth-dev-1', { username: 'auth-dev-1', password: secret });
    open.push(dev);
    await dev.publishAsync('devices/auth-dev-1/telemetry', '{"n":1}', { qos: 1 });
    const records = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'auth-dev-1');
    expect(records.map((r) => parseRecord(r).reading)).toEqual([{ n: 1 }]);
  });

  it('refuses wrong secrets, anonymous clients, unknown devices and a username that is not the client id, by reason', async () => {
    const secret = await addDevice(tg.dataDir, 'auth-dev-2');
    secrets.push(secret);
    expect(await tryConnect(port(), 'auth-dev-2', { username: 'auth-dev-2', password: wrong })).toBe(4);
    expect(await tryConnect(port(), 'auth-dev-2')).toBe(5);
    expect(await tryConnect(port(), 'nobody', { username: 'nobody', password: wrong })).toBe(4);
    expect(await tryConnect(port(), 'auth-dev-2', { username: 'auth-dev-1', password: secret })).toBe(2);
    expect(await tryConnect(port(), 'bad id!', { username: 'bad id!', password: secret })).toBe(2);
    expect(await tryConnect(port(), 'auth-dev-2', { username: 'auth-dev-2', password: secret })).toBe(0);
    expect(await metric('tidegate_connections_refused_total{reason="bad_credentials"}')).toBe(1);
    expect(await metric('tidegate_connections_refused_total{reason="no_credentials"}')).toBe(1);
    expect(await metric('tidegate_connections_refused_total{reason="unknown_device"}')).toBe(1);
    expect(await metric('tidegate_connections_refused_total{reason="client_id_mismatch"}')).toBe(1);
    expect(await metric('tidegate_connections_refused_total{reason="invalid_client_id"}')).toBe(1);
  });

  it('works with mosquitto_pub (-u/-P) and refuses it with a wrong password', async () => {
    const secret = await addDevice(tg.dataDir, 'mosq-dev');
    secrets.push(secret);
    const ok = await mosquittoPub(['-p', String(port()), '-i', 'mosq-dev', '-u', 'mosq-dev', '-P', secret, '-t', 'devices/mosq-dev/telemetry', '-m', '{"from":"mosquitto"}']);
    expect(ok).toMatchObject({ code: 0 });
    const bad = await mosquittoPub(['-p', String(port()), '-i', 'mosq-dev', '-u', 'mosq-dev', '-P', wrong, '-t', 'devices/mosq-dev/telemetry', '-m', '{"from":"intruder"}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/bad user name or password/i);
    const readings = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'mosq-dev').map((r) => parseRecord(r).reading);
    expect(readings).toEqual([{ from: 'mosquitto' }]);
  });

  it("closes a device that publishes into another device's namespace or outside its own, and forwards nothing of it", async () => {
    const secret = await addDevice(tg.dataDir, 'spoofer');
    secrets.push(secret);
    const before = await metric('tidegate_publishes_refused_total{reason="foreign_device"}');
    const dev = await connectDevice(port(), 'spoofer', { username: 'spoofer', password: secret });
    open.push(dev);
    dev.publish('devices/auth-dev-1/telemetry', '{"spoofed":true}', { qos: 1 });
    await waitForClose(dev);
    const dev2 = await connectDevice(port(), 'spoofer', { username: 'spoofer', password: secret });
    open.push(dev2);
    dev2.publish('elsewhere/x', '{"spoofed":true}', { qos: 1 });
    await waitForClose(dev2);
    expect(await metric('tidegate_publishes_refused_total{reason="foreign_device"}')).toBe(before + 1);
    expect(await metric('tidegate_publishes_refused_total{reason="outside_namespace"}')).toBe(1);
    const records = (await readStream(kinesis, 'telemetry')).map(parseRecord);
    expect(records.some((r) => r.reading['spoofed'] === true)).toBe(false);
    expect(records.filter((r) => r.deviceId === 'auth-dev-1').map((r) => r.reading)).toEqual([{ n: 1 }]);
  });

  it('grants subscriptions only under devices/{id}/commands/ (SUBACK 0x80 otherwise) and delivers commands there', async () => {
    const secret = await addDevice(tg.dataDir, 'sub-dev');
    secrets.push(secret);
    const dev = await connectDevice(port(), 'sub-dev', { username: 'sub-dev', password: secret });
    open.push(dev);
    // MQTT.js rejects a SUBACK holding a failure; the error carries the packet with every granted code.
    const suback = await dev
      .subscribeAsync({
        'devices/sub-dev/commands/#': { qos: 1 },
        'devices/sub-dev/commands/reboot': { qos: 0 },
        'devices/auth-dev-1/commands/#': { qos: 1 },
        'devices/+/telemetry': { qos: 1 },
        '#': { qos: 0 },
      })
      .then(
        () => undefined,
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
      );
    expect(suback).toEqual([1, 0, 128, 128, 128]);
    expect(await metric('tidegate_subscriptions_refused_total{reason="not_authorized"}')).toBe(3);
    const got = new Promise<string>((resolve) => dev.once('message', (topic) => resolve(topic)));
    await dev.publishAsync('devices/sub-dev/commands/ping', 'x', { qos: 1 });
    expect(await got).toMatch(/^devices\/sub-dev\/commands\//);
    expect(dev.connected).toBe(true);
  });

  it('lets a second connection with the same id take over the session, and logs and counts it', async () => {
    const secret = await addDevice(tg.dataDir, 'twin');
    secrets.push(secret);
    const first = await connectDevice(port(), 'twin', { username: 'twin', password: secret });
    open.push(first);
    const closed = waitForClose(first);
    const second = await connectDevice(port(), 'twin', { username: 'twin', password: secret });
    open.push(second);
    await closed;
    expect(second.connected).toBe(true);
    expect(await metric('tidegate_session_takeovers_total')).toBeGreaterThanOrEqual(1);
    const line = tg.logs.find((l) => String(l['msg']).startsWith('session takeover') && l['deviceId'] === 'twin');
    expect(line).toMatchObject({ previousRemoteAddress: '127.0.0.1', remoteAddress: '127.0.0.1' });
  });

  it('verifies a secret once for a reconnect storm (cache), and a rotate or revoke takes effect at once', async () => {
    const secret = await addDevice(tg.dataDir, 'storm');
    secrets.push(secret);
    const verifier = tg.gateway.security.authenticator!;
    const hashesBefore = verifier.stats.hashes;
    for (let i = 0; i < 20; i++) expect(await tryConnect(port(), 'storm', { username: 'storm', password: secret })).toBe(0);
    expect(verifier.stats.hashes - hashesBefore).toBe(1);

    const live = await connectDevice(port(), 'storm', { username: 'storm', password: secret });
    open.push(live);
    const closed = waitForClose(live, 5000);
    const rotated = await devicesCli(['rotate', 'storm', '--devices-file', join(tg.dataDir, 'devices.json')]);
    const fresh = rotated.out[rotated.out.length - 1] as string;
    secrets.push(fresh);
    await closed; // the session proved the old secret: closed by the registry watch
    expect(await tryConnect(port(), 'storm', { username: 'storm', password: secret })).toBe(4);
    expect(await tryConnect(port(), 'storm', { username: 'storm', password: fresh })).toBe(0);
    expect(await metric('tidegate_connections_dropped_total{reason="credentials_changed"}')).toBeGreaterThanOrEqual(1);

    expect((await devicesCli(['revoke', 'storm', '--devices-file', join(tg.dataDir, 'devices.json')])).code).toBe(0);
    expect(await tryConnect(port(), 'storm', { username: 'storm', password: fresh })).toBe(4);
    expect(await metric('tidegate_connections_refused_total{reason="revoked"}')).toBeGreaterThanOrEqual(1);
  });

  it('requires the bearer token on every HTTP endpoint except /healthz', async () => {
    const base = `http://127.0.0.1:${tg.gateway.httpPort}`;
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/readyz`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/readyz`, { headers: auth })).status).toBe(200);
    expect(await metric('tidegate_http_unauthorized_total')).toBe(2);
  });

  it('never writes a secret, a presented password or the HTTP token to the logs, the metrics or the registry file', async () => {
    const text = await (await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/metrics`, { headers: auth })).text();
    const logs = JSON.stringify(tg.logs);
    const registry = readFileSync(join(tg.dataDir, 'devices.json'), 'utf8');
    await vi.waitFor(() => expect(tg.logs.length).toBeGreaterThan(10));
    expect(secrets.length).toBe(8);
    for (const s of [...secrets, wrong, token]) {
      expect(logs).not.toContain(s);
      expect(text).not.toContain(s);
      expect(registry).not.toContain(s);
    }
  });
});
