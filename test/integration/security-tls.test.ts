import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestPki, type TestPki } from '../support/certs.js';
import { addDevice, devicesCli, metricValue } from '../support/devices.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { makeTempDir } from '../support/tmp.js';
import { join } from 'node:path';

const run = promisify(execFile);

/** Connects MQTT.js with `url` and resolves with the client, or with the CONNACK code / 'closed' on refusal. */
async function attempt(url: string, options: IClientOptions): Promise<MqttClient | number | 'closed'> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  return new Promise((resolve) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      const code = (err as Error & { code?: unknown }).code;
      void client.endAsync(true).catch(() => undefined);
      resolve(typeof code === 'number' ? code : 'closed');
    });
    client.once('close', () => resolve('closed'));
  });
}

function mustConnect(result: MqttClient | number | 'closed'): MqttClient {
  if (typeof result === 'object') return result;
  throw new Error(`connection refused: ${result}`);
}

describe('mutual TLS and MQTT over WebSocket', () => {
  let tg: TestGateway;
  let pki: TestPki;
  const pkiDir = makeTempDir('tidegate-pki-');
  const open: MqttClient[] = [];

  beforeAll(async () => {
    pki = generateTestPki(pkiDir.path);
    tg = await startTestGateway([
      '--auth', 'required', '--login-backoff-base-ms', '0',
      '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-ca', pki.caCert, '--tls-port', '0',
      '--ws', 'on', '--ws-port', '0', '--wss', 'on', '--wss-port', '0',
    ]);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true).catch(() => undefined)));
    await tg?.stop();
    pkiDir.remove();
  });

  const ca = (): Buffer => readFileSync(pki.caCert);
  const certOf = (name: string): { cert: Buffer; key: Buffer } => {
    const c = pki.clients[name]!;
    return { cert: readFileSync(c.cert), key: readFileSync(c.key) };
  };
  const tlsUrl = (): string => `mqtts://127.0.0.1:${tg.gateway.tlsPort}`;
  const metric = (sample: string): Promise<number> => metricValue(tg.gateway.httpPort, sample);

  it('exposes the bound ports of every listener', () => {
    expect(tg.gateway.tlsPort).toBeGreaterThan(0);
    expect(tg.gateway.wsPort).toBeGreaterThan(0);
    expect(tg.gateway.wssPort).toBeGreaterThan(0);
  });

  it('admits a device by its client certificate (CN) without a password, and forwards its readings', async () => {
    const dev = mustConnect(await attempt(tlsUrl(), { clientId: 'cn-dev', ca: ca(), ...certOf('cn-dev') }));
    open.push(dev);
    await dev.publishAsync('devices/cn-dev/telemetry', '{"via":"mtls"}', { qos: 1 });
    const kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    try {
      const readings = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'cn-dev').map((r) => parseRecord(r).reading);
      expect(readings).toEqual([{ via: 'mtls' }]);
    } finally {
      kinesis.destroy();
    }
  });

  it('takes the device id from the DNS subjectAltName over the CN', async () => {
    const dev = mustConnect(await attempt(tlsUrl(), { clientId: 'san-dev', ca: ca(), ...certOf('san-dev') }));
    open.push(dev);
    expect(await attempt(tlsUrl(), { clientId: 'ignored-cn', ca: ca(), ...certOf('san-dev') })).toBe(2);
  });

  it('refuses a certificate from another CA, one that names no device, and a client id the certificate does not name', async () => {
    expect(await attempt(tlsUrl(), { clientId: 'cn-dev', ca: ca(), ...certOf('rogue') })).toBe(5);
    expect(await metric('tidegate_connections_refused_total{reason="certificate_untrusted"}')).toBe(1);
    expect(await attempt(tlsUrl(), { clientId: 'x', ca: ca(), ...certOf('bad-id') })).toBe(5);
    expect(await metric('tidegate_connections_refused_total{reason="certificate_no_device_id"}')).toBe(1);
    expect(await attempt(tlsUrl(), { clientId: 'someone-else', ca: ca(), ...certOf('cn-dev') })).toBe(2);
    expect(await attempt(tlsUrl(), { clientId: 'cn-dev', username: 'other', ca: ca(), ...certOf('cn-dev') })).toBe(2);
  });

  it('accepts a registry secret over TLS without a certificate', async () => {
    const secret = await addDevice(tg.dataDir, 'tls-pw-dev');
    const dev = mustConnect(await attempt(tlsUrl(), { clientId: 'tls-pw-dev', username: 'tls-pw-dev', password: secret, ca: ca() }));
    open.push(dev);
    expect(await attempt(tlsUrl(), { clientId: 'tls-pw-dev', username: 'tls-pw-dev', password: 'wrong-secret-123456', ca: ca() })).toBe(4);
  });

  it('refuses the certificate of a device the registry lists as revoked, and closes its open session', async () => {
    const dev = mustConnect(await attempt(tlsUrl(), { clientId: 'cn-dev', ca: ca(), ...certOf('cn-dev') }));
    const closed = new Promise<void>((resolve) => dev.once('close', () => resolve()));
    expect((await devicesCli(['revoke', 'cn-dev', '--devices-file', join(tg.dataDir, 'devices.json')])).code).toBe(0);
    await closed;
    expect(await attempt(tlsUrl(), { clientId: 'cn-dev', ca: ca(), ...certOf('cn-dev') })).toBe(5);
    expect(await metric('tidegate_connections_refused_total{reason="revoked"}')).toBe(1);
  });

  it('works with mosquitto_pub using --cafile/--cert/--key', async () => {
    const c = pki.clients['san-dev']!;
    const { stderr } = await run('mosquitto_pub', [
      '-h', '127.0.0.1', '-p', String(tg.gateway.tlsPort), '-V', 'mqttv311', '-q', '1', '-i', 'san-dev',
      '--cafile', pki.caCert, '--cert', c.cert, '--key', c.key, '-t', 'devices/san-dev/telemetry', '-m', '{"via":"mosquitto"}',
    ], { timeout: 10_000 });
    expect(stderr).toBe('');
  });

  it('serves MQTT over WebSocket (subprotocol mqtt) with the same authentication', async () => {
    const secret = await addDevice(tg.dataDir, 'ws-dev');
    const url = `ws://127.0.0.1:${tg.gateway.wsPort}/mqtt`;
    const dev = mustConnect(await attempt(url, { clientId: 'ws-dev', username: 'ws-dev', password: secret }));
    open.push(dev);
    await dev.publishAsync('devices/ws-dev/telemetry', '{"via":"ws"}', { qos: 1 });
    expect(await attempt(url, { clientId: 'ws-dev', username: 'ws-dev', password: 'wrong-secret-123456' })).toBe(4);
    expect(await attempt(url, { clientId: 'ws-dev' })).toBe(5);
    // A WebSocket client that does not speak MQTT is refused at the upgrade.
    const res = await fetch(`http://127.0.0.1:${tg.gateway.wsPort}/mqtt`);
    expect(res.status).toBe(426);
  });

  it('serves MQTT over secure WebSocket, with client certificates', async () => {
    const url = `wss://127.0.0.1:${tg.gateway.wssPort}/mqtt`;
    const dev = mustConnect(await attempt(url, { clientId: 'san-dev', ca: ca(), ...certOf('san-dev') }));
    open.push(dev);
    await dev.publishAsync('devices/san-dev/telemetry', '{"via":"wss"}', { qos: 1 });
    expect(await attempt(url, { clientId: 'cn-dev', ca: ca(), ...certOf('rogue') })).toBe(5);
  });

  it('with --tls-client-cert required, fails the handshake without a certificate and counts it', async () => {
    const strict = await startTestGateway([
      '--auth', 'required', '--login-backoff-base-ms', '0', '--tls-client-cert', 'required',
      '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-ca', pki.caCert, '--tls-port', '0',
    ]);
    try {
      const port = strict.gateway.tlsPort as number;
      const failed = await new Promise<boolean>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca: ca() });
        socket.once('secureConnect', () => {
          // TLS 1.3 reports the server's refusal of the missing certificate after the handshake completes.
          socket.once('error', () => resolve(true));
          socket.once('close', () => resolve(true));
          socket.write(Buffer.from([0xc0, 0x00]));
        });
        socket.once('error', () => resolve(true));
      });
      expect(failed).toBe(true);
      const dev = mustConnect(await attempt(`mqtts://127.0.0.1:${port}`, { clientId: 'san-dev', ca: ca(), ...certOf('san-dev') }));
      await dev.endAsync(true);
      expect(await metricValue(strict.gateway.httpPort, 'tidegate_connections_refused_total{reason="tls_handshake"}')).toBe(1);
    } finally {
      await strict.stop();
    }
  });
});
