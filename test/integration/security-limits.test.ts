import { connect as netConnect, type Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { addDevice, metricValue, tryConnect } from '../support/devices.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { connectFrame, publishFrame, remainingLength, subscribeFrame } from '../support/mqtt-frames.js';

/** Opens a raw socket; resolves with it once connected. */
function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the time (ms) until the server closed the socket, or rejects after `ms`. Reads (and drops) what arrives unless `read` is false. */
function closedWithin(socket: Socket, ms: number, read = true): Promise<number> {
  const t0 = Date.now();
  if (read) socket.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket was not closed')), ms);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

describe('limits', () => {
  let tg: TestGateway | undefined;
  const open: MqttClient[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await closeAll(open.splice(0));
    await tg?.stop();
    tg = undefined;
  });
  const metric = (sample: string): Promise<number> => metricValue(tg!.gateway.httpPort, sample);

  it('closes connections over --max-connections at once, and idle sockets that never CONNECT after the timeout', async () => {
    tg = await startTestGateway(['--max-connections', '3', '--connect-timeout-ms', '300']);
    const port = tg.gateway.mqttPort;
    const idle = await Promise.all([rawSocket(port), rawSocket(port), rawSocket(port)]);
    sockets.push(...idle);
    const closes = idle.map((s) => closedWithin(s, 5000));
    const extra = await rawSocket(port);
    sockets.push(extra);
    expect(await closedWithin(extra, 2000)).toBeLessThan(250);
    for (const ms of await Promise.all(closes)) expect(ms).toBeGreaterThanOrEqual(250);
    expect(await metric('tidegate_connections_refused_total{reason="max_connections"}')).toBe(1);
    expect(await metric('tidegate_connections_refused_total{reason="connect_timeout"}')).toBe(3);
    // Capacity is back once they are gone.
    const dev = await connectDevice(port, 'after-idle');
    open.push(dev);
  });

  it('cuts a lying length field before buffering the body, and refuses a first packet that is not CONNECT', async () => {
    tg = await startTestGateway(['--max-packet-bytes', '65536', '--max-payload-bytes', '1024']);
    const port = tg.gateway.mqttPort;
    const rssBefore = process.memoryUsage().rss;
    // A CONNECT announcing 200 MB.
    const liar = await rawSocket(port);
    sockets.push(liar);
    const liarClosed = closedWithin(liar, 2000);
    liar.write(Buffer.concat([Buffer.from([0x10]), remainingLength(200 * 1024 * 1024), Buffer.alloc(1000)]));
    await liarClosed;
    // A session that announces a 100 MB publish after a valid CONNECT.
    const s = await rawSocket(port);
    sockets.push(s);
    const connack = new Promise((resolve) => s.once('data', resolve));
    s.write(connectFrame('big-liar'));
    await connack;
    const sClosed = closedWithin(s, 2000);
    s.write(Buffer.concat([Buffer.from([0x30]), remainingLength(100 * 1024 * 1024), Buffer.alloc(60_000)]));
    await sClosed;
    const notConnect = await rawSocket(port);
    sockets.push(notConnect);
    const ncClosed = closedWithin(notConnect, 2000);
    notConnect.write(Buffer.concat([Buffer.from([0x30]), remainingLength(10 * 1024 * 1024)]));
    await ncClosed;
    expect(await metric('tidegate_connections_refused_total{reason="packet_too_large"}')).toBe(1);
    expect(await metric('tidegate_connections_dropped_total{reason="packet_too_large"}')).toBe(1);
    expect(await metric('tidegate_connections_refused_total{reason="first_packet_not_connect"}')).toBe(1);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
    // A payload over --max-payload-bytes but under the packet cap is still dead-lettered, the connection kept.
    const dev = await connectDevice(port, 'normal');
    open.push(dev);
    await dev.publishAsync('devices/normal/telemetry', JSON.stringify({ pad: 'x'.repeat(5000) }), { qos: 1 });
    expect(dev.connected).toBe(true);
  });

  it('refuses topics deeper than --max-topic-levels, wildcards and NUL in publish topics, by reason', async () => {
    tg = await startTestGateway(['--max-topic-levels', '5']);
    const port = tg.gateway.mqttPort;
    const deep = await connectDevice(port, 'deep');
    open.push(deep);
    const suback = await deep.subscribeAsync('devices/deep/commands/a/b/c').then(() => 'granted', (err: { packet?: { granted?: number[] } }) => err.packet?.granted);
    expect(suback).toEqual([128]);
    expect(await metric('tidegate_subscriptions_refused_total{reason="topic_too_deep"}')).toBe(1);
    for (const [topic, reason] of [
      ['devices/deep/a/b/c/d', 'topic_too_deep'],
      ['devices/deep/+/x', 'wildcard_topic'],
      ['devices/deep/#', 'wildcard_topic'],
      ['devices/deep/\u0000', 'invalid_topic_chars'],
    ] as const) {
      const s = await rawSocket(port);
      sockets.push(s);
      const closed = closedWithin(s, 2000);
      s.write(connectFrame(`raw-${reason}-${topic.length}`.replace(/[^A-Za-z0-9_.:-]/g, '_')));
      s.write(publishFrame(topic.replace('deep', `raw-${reason}-${topic.length}`.replace(/[^A-Za-z0-9_.:-]/g, '_')), '{}'));
      await closed;
    }
    // Invalid UTF-8 in a topic (0xFF is never valid).
    const s = await rawSocket(port);
    sockets.push(s);
    const closed = closedWithin(s, 2000);
    s.write(connectFrame('utf8-dev'));
    s.write(publishFrame(Buffer.concat([Buffer.from('devices/utf8-dev/'), Buffer.from([0xff, 0xfe])]), '{}'));
    await closed;
    expect(await metric('tidegate_publishes_refused_total{reason="topic_too_deep"}')).toBe(1);
    expect(await metric('tidegate_publishes_refused_total{reason="wildcard_topic"}')).toBe(2);
    expect(await metric('tidegate_publishes_refused_total{reason="invalid_topic_chars"}')).toBe(2);
  });

  it('slows a device down to its message rate instead of dropping, in order, without slowing others', async () => {
    tg = await startTestGateway(['--device-messages-per-second', '20']);
    const port = tg.gateway.mqttPort;
    const fast = await connectDevice(port, 'fast');
    const other = await connectDevice(port, 'other');
    open.push(fast, other);
    const t0 = Date.now();
    const sends = Array.from({ length: 60 }, (_, n) => fast.publishAsync('devices/fast/telemetry', JSON.stringify({ n }), { qos: 1 }));
    // 20 of burst, then 40 at 20/s: about 2 s. The other device is not held up meanwhile.
    const t1 = Date.now();
    await other.publishAsync('devices/other/telemetry', '{"n":0}', { qos: 1 });
    expect(Date.now() - t1).toBeLessThan(1000);
    await Promise.all(sends);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(1700);
    expect(elapsed).toBeLessThan(10_000);
    expect(await metric('tidegate_publishes_throttled_total{limit="messages"}')).toBeGreaterThanOrEqual(35);
    const kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    try {
      const ns = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'fast').map((r) => parseRecord(r).reading['n']);
      expect(ns).toEqual(Array.from({ length: 60 }, (_, n) => n));
    } finally {
      kinesis.destroy();
    }
  });

  it('slows a device down to its byte rate', async () => {
    tg = await startTestGateway(['--device-bytes-per-second', '20000']);
    const dev = await connectDevice(tg.gateway.mqttPort, 'bulky');
    open.push(dev);
    const t0 = Date.now();
    const payload = JSON.stringify({ pad: 'x'.repeat(9_950) }); // ~10 KB each: 2 of burst, then 2 per second
    await Promise.all(Array.from({ length: 6 }, () => dev.publishAsync('devices/bulky/telemetry', payload, { qos: 1 })));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1700);
    expect(await metric('tidegate_publishes_throttled_total{limit="bytes"}')).toBeGreaterThanOrEqual(3);
  });

  it('backs off an address after failed logins, then lets it in again', async () => {
    tg = await startTestGateway(['--auth', 'required', '--login-backoff-after', '2', '--login-backoff-base-ms', '600', '--login-backoff-max-ms', '5000']);
    const port = tg.gateway.mqttPort;
    const secret = await addDevice(tg.dataDir, 'patient');
    for (let i = 0; i < 3; i++) expect(await tryConnect(port, 'patient', { username: 'patient', password: 'wrong-secret-0123456789' })).toBe(4);
    // Even the right secret is refused at accept while the address is backed off.
    expect(await tryConnect(port, 'patient', { username: 'patient', password: secret })).toBe('closed');
    expect(await metric('tidegate_connections_refused_total{reason="login_backoff"}')).toBe(1);
    await new Promise((r) => setTimeout(r, 700));
    expect(await tryConnect(port, 'patient', { username: 'patient', password: secret })).toBe(0);
  });

  it('bounds keep-alive: a device asking for none is closed after 1.5x --keepalive-max-s of silence', async () => {
    tg = await startTestGateway(['--keepalive-max-s', '1']);
    const s = await rawSocket(tg.gateway.mqttPort);
    sockets.push(s);
    const closed = closedWithin(s, 5000);
    s.write(connectFrame('silent', { keepalive: 0 }));
    const ms = await closed;
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(await metric('tidegate_connections_dropped_total{reason="keepalive_timeout"}')).toBe(1);
  });

  it('disconnects a device that stops reading what it is sent (--drain-timeout-ms)', async () => {
    tg = await startTestGateway(['--drain-timeout-ms', '500', '--max-payload-bytes', '200000']);
    const s = await rawSocket(tg.gateway.mqttPort);
    sockets.push(s);
    s.write(connectFrame('frozen'));
    s.write(subscribeFrame('devices/frozen/commands/#'));
    await new Promise((r) => setTimeout(r, 100));
    s.pause(); // never reads again
    const closed = closedWithin(s, 20_000, false);
    const chunk = publishFrame('devices/frozen/commands/x', Buffer.alloc(100_000, 0x61));
    const writer = setInterval(() => {
      if (!s.destroyed) for (let i = 0; i < 10; i++) s.write(chunk);
    }, 5);
    try {
      await closed;
    } finally {
      clearInterval(writer);
    }
    expect(await metric('tidegate_connections_dropped_total{reason="drain_timeout"}')).toBe(1);
  });
});
