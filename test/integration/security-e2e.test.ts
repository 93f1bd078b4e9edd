import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { tryConnect } from '../support/devices.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice, waitForClose } from '../../stack/harness/mqtt-client.js';
import { connectFrame, publishFrame, remainingLength } from '../support/mqtt-frames.js';
import { makeTempDir } from '../support/tmp.js';

const run = promisify(execFile);
const DEVICES_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'gateway', 'src', 'devices-main.js');

/**
 * The "done when", end to end: the compiled gateway as a child process with --auth required (local mode),
 * a device added with the devices CLI after the start, and every other client refused with nothing in the stream.
 */
describe('done when: npm start -- --auth required, devices add sec-dev-1', () => {
  const dir = makeTempDir();
  let gw: ChildGateway;

  beforeAll(async () => {
    gw = await spawnGateway(['--mode', 'local', '--auth', 'required', '--local-kinesis-port', '0', '--local-s3-port', '0', '--delivery', 'off', '--data-dir', dir.path]);
  });
  afterAll(async () => {
    await gw?.kill();
    dir.remove();
  });

  it('admits sec-dev-1 with its secret, refuses the rest, and still serves it after hundreds of hostile frames', async () => {
    const { stdout } = await run(process.execPath, [DEVICES_MAIN, 'add', 'sec-dev-1', '--data-dir', dir.path]);
    const secret = stdout.trimEnd().split('\n').pop() as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const port = gw.mqttPort;
    const dev = await connectDevice(port, 'sec-dev-1', { username: 'sec-dev-1', password: secret });
    await dev.publishAsync('devices/sec-dev-1/telemetry', '{"n":0}', { qos: 1 });

    expect(await tryConnect(port, 'sec-dev-1', { username: 'sec-dev-1', password: 'not-the-secret-000000000000' })).toBe(4);
    expect(await tryConnect(port, 'sec-dev-1')).toBe(5);
    expect(await tryConnect(port, 'anonymous')).toBe(5);
    // A second registered device publishing into sec-dev-1's namespace is disconnected.
    const { stdout: out2 } = await run(process.execPath, [DEVICES_MAIN, 'add', 'sec-dev-2', '--data-dir', dir.path]);
    const other = await connectDevice(port, 'sec-dev-2', { username: 'sec-dev-2', password: out2.trimEnd().split('\n').pop() as string });
    other.publish('devices/sec-dev-1/telemetry', '{"spoofed":true}', { qos: 1 });
    await waitForClose(other);

    // Hundreds of hostile frames over raw sockets while the device keeps publishing.
    let frames = 0;
    const hostile = (chunks: Buffer[]): Promise<void> =>
      new Promise((resolve) => {
        const s = netConnect({ host: '127.0.0.1', port }, () => {
          for (const c of chunks) {
            frames++;
            s.write(c);
          }
          setTimeout(() => s.destroy(), 100);
        });
        s.resume();
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    let n = 1;
    for (let round = 0; round < 40; round++) {
      await Promise.all([
        hostile([Buffer.from([0x10]), remainingLength(250_000_000)]),
        hostile([connectFrame('sec-dev-1', { username: 'sec-dev-1', password: 'guess-' + round })]),
        hostile([Buffer.from('GET / HTTP/1.1\r\n\r\n')]),
        hostile([publishFrame('devices/sec-dev-1/telemetry', '{"spoofed":true}', 1)]),
        hostile([connectFrame('intruder'), publishFrame('devices/sec-dev-1/telemetry', '{"spoofed":true}'), publishFrame('devices/#', 'x')]),
        hostile([Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + round) & 0xff))]),
        dev.publishAsync('devices/sec-dev-1/telemetry', JSON.stringify({ n: n++ }), { qos: 1 }),
      ]);
    }
    expect(frames).toBeGreaterThanOrEqual(200);
    expect(dev.connected).toBe(true);
    await dev.publishAsync('devices/sec-dev-1/telemetry', JSON.stringify({ n: n++ }), { qos: 1 });
    await closeAll([dev, other]);
    expect(gw.child.exitCode).toBeNull();

    const kinesis = testKinesisClient(gw.kinesisEndpoint);
    try {
      const records = (await readStream(kinesis, 'telemetry')).map(parseRecord);
      expect(records.filter((r) => r.deviceId === 'sec-dev-1').map((r) => r.reading['n'])).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(records.filter((r) => r.reading['spoofed'] === true)).toEqual([]);
      expect(new Set(records.map((r) => r.deviceId))).toEqual(new Set(['sec-dev-1']));
    } finally {
      kinesis.destroy();
    }
    const metrics = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/tidegate_connections_refused_total\{reason="bad_credentials"\} \d+/);
    expect(metrics).toMatch(/tidegate_connections_refused_total\{reason="no_credentials"\} \d+/);
    expect(metrics).toMatch(/tidegate_publishes_refused_total\{reason="foreign_device"\} 1/);
    // The guessed passwords put 127.0.0.1 into the failed-login backoff (default: after 3 failures), so later
    // hostile connections were refused at accept.
    expect(metrics).toMatch(/tidegate_connections_refused_total\{reason="packet_too_large"\} [1-9]\d*/);
    expect(metrics).toMatch(/tidegate_connections_refused_total\{reason="login_backoff"\} [1-9]\d*/);
    expect(JSON.stringify(gw.logs)).not.toContain(secret);
  });

  it('refuses to start with authentication off on a non-loopback address, naming the setting', async () => {
    const d = makeTempDir();
    try {
      await expect(spawnGateway(['--mode', 'local', '--mqtt-host', '0.0.0.0', '--data-dir', d.path, '--local-kinesis-port', '0'])).rejects.toThrow(/exited with 2/);
      const { stdout } = await run(process.execPath, [join(dirname(DEVICES_MAIN), '..', '..', 'stack', 'main.js'), '--mode', 'local', '--http-host', '0.0.0.0', '--data-dir', d.path]).catch((e: { stdout: string }) => e);
      expect(stdout).toContain('GW_ERR_CONFIG');
      expect(stdout).toContain('"setting":"auth"');
      expect(stdout).toContain('--http-host 0.0.0.0');
    } finally {
      d.remove();
    }
  });
});
