import { connect as netConnect } from 'node:net';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDevice, metricLines } from '../support/devices.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { connectFrame, frame, publishFrame, remainingLength, subscribeFrame } from '../support/mqtt-frames.js';
import { mulberry32 } from '../support/prng.js';


const SEED = Number(process.env['TIDEGATE_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CONNECTIONS = 360;
const CONCURRENCY = 12;

/** Reasons the gateway may count; a label outside these would be an unbounded or unclassified one. */
const KNOWN = new Set([
  'malformed_packet', 'packet_too_large', 'malformed_length', 'first_packet_not_connect', 'connect_timeout', 'protocol_violation',
  'unsupported_protocol', 'bad_credentials', 'unknown_device', 'no_credentials', 'client_id_mismatch', 'invalid_client_id',
  'wildcard_topic', 'empty_topic', 'topic_too_deep', 'invalid_topic_chars', 'foreign_device', 'outside_namespace',
  'not_authorized', 'invalid_filter', 'queue_limit', 'keepalive_timeout', 'login_backoff', 'max_connections', 'revoked',
]);

describe(`hostile input (fuzz, seed ${SEED})`, () => {
  let tg: TestGateway;
  let kinesis: KinesisClient;
  let good: MqttClient;
  /** One registered device per concurrent slot: sessions of the same id would take each other over. */
  const fuzzSecrets: string[] = [];

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (replay with TIDEGATE_FUZZ_SEED=${SEED})`);
    tg = await startTestGateway([
      '--auth', 'required', '--login-backoff-base-ms', '0', '--connect-timeout-ms', '400',
      '--max-packet-bytes', '65536', '--max-payload-bytes', '4096', '--max-topic-levels', '6',
    ]);
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    const secret = await addDevice(tg.dataDir, 'good-dev');
    for (let i = 0; i < CONCURRENCY; i++) fuzzSecrets.push(await addDevice(tg.dataDir, `fuzz-${i}`));
    good = await connectDevice(tg.gateway.mqttPort, 'good-dev', { username: 'good-dev', password: secret });
  });
  afterAll(async () => {
    await closeAll(good === undefined ? [] : [good]);
    kinesis?.destroy();
    await tg?.stop();
  });

  it('stays up with bounded memory, keeps serving a well-behaved device, and counts every rejection by reason', async () => {
    const rnd = mulberry32(SEED);
    const int = (n: number): number => Math.floor(rnd() * n);
    const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
    const port = tg.gateway.mqttPort;
    let id = 'fuzz-0';
    let secret = '';
    const auth = (): Buffer => connectFrame(id, { username: id, password: secret });
    const validPublish = (): Buffer => publishFrame(`devices/${id}/telemetry`, '{"fuzz":1}', 1, 1 + int(60000));

    /** Each generator returns the byte chunks of one hostile connection (empty: an idle socket). */
    const generators: (() => Buffer[])[] = [
      () => [bytes(1 + int(300))],
      () => [Buffer.concat([Buffer.from([0x10]), remainingLength(1 + int(268_000_000)), bytes(int(100))])],
      () => [],
      () => [connectFrame(id, { username: id, password: 'wrong-' + int(1e9) })],
      () => [connectFrame(id)],
      () => [connectFrame(pick(['', 'bad id', 'x'.repeat(200), '../etc']), { username: 'u', password: 'p' })],
      () => { const c = auth(); c[8 + int(4)] = int(256); return [c]; },
      () => { const c = auth(); return [c.subarray(0, 1 + int(c.length - 1))]; }, // truncated CONNECT
      () => [auth(), pick([
        publishFrame(`devices/${id}/+/x`, '{}'), publishFrame('devices/#', '{}'), publishFrame('', '{}'),
        publishFrame('devices/good-dev/telemetry', '{"spoofed":true}', 1), publishFrame('other/topic', '{"spoofed":true}', 1),
        publishFrame(`devices/${id}/a/b/c/d/e/f`, '{}'),
        publishFrame(Buffer.concat([Buffer.from(`devices/${id}/`), bytes(1 + int(8)).map((b) => b | 0x80)]), '{}'),
      ])],
      () => { const p = validPublish(); p[int(p.length)] = int(256); return [auth(), p]; }, // one flipped byte
      () => { const p = validPublish(); return [auth(), p.subarray(0, int(p.length))]; }, // truncated publish
      () => [auth(), Buffer.concat([Buffer.from([0x32]), remainingLength(1 + int(50_000_000)), bytes(int(200))])], // lying length after auth
      () => [auth(), frame(0x30 | (3 << 1), bytes(10))], // QoS 3
      () => [auth(), frame(0x80, bytes(int(20)))], // SUBSCRIBE with wrong flags
      () => [auth(), subscribeFrame(pick(['devices/good-dev/commands/#', '#', `devices/${id}/commands/#/x`, 'devices/+/telemetry']))],
      () => [auth(), publishFrame(`devices/${id}/telemetry`, JSON.stringify({ pad: 'x'.repeat(5000 + int(20_000)) }), 1)], // oversize reading
      () => [auth(), auth()], // second CONNECT
      () => [auth(), ...Array.from({ length: 1 + int(5) }, () => bytes(1 + int(64)))],
    ];

    // The well-behaved device publishes throughout.
    let sent = 0;
    const acked: number[] = [];
    let publishing = true;
    const loop = (async () => {
      while (publishing) {
        const n = sent++;
        await good.publishAsync('devices/good-dev/telemetry', JSON.stringify({ n }), { qos: 1 });
        acked.push(n);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const rssStart = process.memoryUsage().rss;
    let rssMax = rssStart;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }, 50);

    let closedByServer = 0;
    let frames = 0;
    const oneConnection = (chunks: Buffer[]): Promise<void> =>
      new Promise((resolve) => {
        const socket = netConnect({ host: '127.0.0.1', port });
        let done = false;
        const finish = (byServer: boolean): void => {
          if (done) return;
          done = true;
          if (byServer) closedByServer++;
          socket.destroy();
          resolve();
        };
        socket.on('error', () => finish(true));
        socket.on('close', () => finish(true));
        socket.resume();
        socket.once('connect', () => {
          for (const c of chunks) {
            frames++;
            socket.write(c);
          }
          // Idle sockets wait for the CONNECT timeout; the others get a moment for the gateway to react.
          setTimeout(() => finish(false), chunks.length === 0 ? 1500 : 250);
        });
      });

    const t0 = Date.now();
    for (let i = 0; i < CONNECTIONS; i += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, CONNECTIONS - i) }, (_, slot) => {
          id = `fuzz-${slot}`;
          secret = fuzzSecrets[slot] as string;
          return oneConnection(pick(generators)());
        }),
      );
    }
    publishing = false;
    await loop;
    clearInterval(sampler);
    console.log(`fuzz: ${CONNECTIONS} connections, ${frames} frames in ${Date.now() - t0} ms; ${closedByServer} closed by the gateway; RSS +${Math.round((rssMax - rssStart) / 1048576)} MiB`);

    // Up, ready, and the good device was never interrupted.
    expect(good.connected).toBe(true);
    expect((await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/readyz`)).status).toBe(200);
    expect(frames).toBeGreaterThanOrEqual(300);
    expect(acked.length).toBe(sent);
    expect(sent).toBeGreaterThan(50);
    const ns = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'good-dev').map((r) => parseRecord(r).reading['n']);
    expect(ns).toEqual(Array.from({ length: sent }, (_, n) => n));
    const spoofed = (await readStream(kinesis, 'telemetry')).map(parseRecord).filter((r) => r.reading['spoofed'] === true);
    expect(spoofed).toEqual([]);
    // No lying length field made the broker buffer its announced size.
    expect(rssMax - rssStart).toBeLessThan(256 * 1024 * 1024);

    // Every rejection is counted, under a known, bounded reason.
    const counted: Record<string, number> = {};
    let total = 0;
    for (const name of ['tidegate_connections_refused_total', 'tidegate_connections_dropped_total', 'tidegate_publishes_refused_total', 'tidegate_subscriptions_refused_total']) {
      for (const line of await metricLines(tg.gateway.httpPort, name)) {
        const m = /reason="([^"]*)"} (\d+)/.exec(line);
        expect(m, line).not.toBeNull();
        const [, reason, value] = m as unknown as [string, string, string];
        expect(KNOWN.has(reason), `unexpected reason ${reason}`).toBe(true);
        counted[`${name.replace('tidegate_', '').replace('_total', '')}:${reason}`] = Number(value);
        total += Number(value);
      }
    }
    console.log('fuzz rejections by reason:', counted);
    // Each connection the gateway closed is counted once (a few of them may have been counted as
    // refused after the client gave up waiting, e.g. a slow secret check, hence >=).
    expect(total).toBeGreaterThanOrEqual(closedByServer);
    expect(await metricLines(tg.gateway.httpPort, 'tidegate_session_takeovers_total')).toEqual(['tidegate_session_takeovers_total 0']);
    for (const key of ['connections_refused:malformed_packet', 'connections_refused:packet_too_large', 'connections_refused:connect_timeout', 'connections_refused:bad_credentials']) {
      expect(counted[key] ?? 0, key).toBeGreaterThan(0);
    }
    expect(Object.keys(counted).length).toBeGreaterThanOrEqual(10);
  });
});
