import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice, waitForClose } from '../../stack/harness/mqtt-client.js';

interface DeadLetterLine {
  reason: string;
  clientId: string;
  topic: string;
  payloadBytes: number;
  truncated: boolean;
  payload: string;
}

describe('bad input is refused, counted and dead-lettered while valid readings keep flowing', () => {
  let tg: TestGateway;
  let kinesis: KinesisClient;
  const open: MqttClient[] = [];

  beforeAll(async () => {
    tg = await startTestGateway(['--max-payload-bytes', '1024']);
    kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
  });
  afterAll(async () => {
    await closeAll(open);
    kinesis?.destroy();
    await tg?.stop();
  });

  async function metric(name: string): Promise<string> {
    const text = await (await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
  }

  function deadLetters(): DeadLetterLine[] {
    let text = '';
    try {
      text = readFileSync(join(tg.dataDir, 'dead-letter.jsonl'), 'utf8');
    } catch {
      return [];
    }
    // Only complete lines: the writer may be mid-line while we read.
    return text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as DeadLetterLine);
  }

  it('acknowledges malformed readings (so the device does not resend them forever) but never forwards them', async () => {
    const good = await connectDevice(tg.gateway.mqttPort, 'good-dev');
    const bad = await connectDevice(tg.gateway.mqttPort, 'bad-dev');
    open.push(good, bad);
    const topic = 'devices/bad-dev/telemetry';
    await good.publishAsync('devices/good-dev/telemetry', '{"n":0}', { qos: 1 });
    await bad.publishAsync(topic, '{"temperature": 21.', { qos: 1 }); // truncated JSON
    await bad.publishAsync(topic, '[1,2,3]', { qos: 1 }); // JSON, not an object
    await bad.publishAsync(topic, '"text"', { qos: 1 });
    await bad.publishAsync(topic, 'null', { qos: 1 });
    await bad.publishAsync(topic, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { qos: 1 }); // invalid UTF-8
    await bad.publishAsync(topic, JSON.stringify({ pad: 'x'.repeat(2000) }), { qos: 1 }); // over 1024 bytes
    await bad.publishAsync(topic, '{"ok":true}', { qos: 1 }); // still connected, still served
    await good.publishAsync('devices/good-dev/telemetry', '{"n":1}', { qos: 1 });

    const records = await readStream(kinesis, 'telemetry');
    const fromBad = records.filter((r) => r.partitionKey === 'bad-dev').map(parseRecord);
    expect(fromBad.map((r) => r.reading)).toEqual([{ ok: true }]);
    expect(records.filter((r) => r.partitionKey === 'good-dev').map((r) => parseRecord(r).reading['n'])).toEqual([0, 1]);

    // The dead-letter file is appended asynchronously.
    await vi.waitFor(() => expect(deadLetters().filter((d) => d.clientId === 'bad-dev')).toHaveLength(6));
    const reasons = deadLetters().filter((d) => d.clientId === 'bad-dev').map((d) => d.reason);
    expect(reasons).toEqual([
      'invalid_json', 'not_json_object', 'not_json_object', 'not_json_object', 'invalid_json', 'payload_too_large',
    ]);
    const oversize = deadLetters().find((d) => d.reason === 'payload_too_large');
    expect(oversize?.payloadBytes).toBeGreaterThan(2000);
    const m = await metric('tidegate_readings_rejected_total');
    expect(m).toContain('reason="invalid_json"} 2');
    expect(m).toContain('reason="not_json_object"} 3');
    expect(m).toContain('reason="payload_too_large"} 1');
  });

  it('closes the connection of a device that publishes as another device, and forwards nothing of it', async () => {
    const spoofer = await connectDevice(tg.gateway.mqttPort, 'spoofer');
    open.push(spoofer);
    const closed = waitForClose(spoofer);
    spoofer.publish('devices/victim/telemetry', '{"temperature":99}', { qos: 1 });
    await closed;
    const victim = await connectDevice(tg.gateway.mqttPort, 'victim');
    open.push(victim);
    await victim.publishAsync('devices/victim/telemetry', '{"temperature":20}', { qos: 1 });
    const fromVictim = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'victim');
    expect(fromVictim.map((r) => parseRecord(r).reading)).toEqual([{ temperature: 20 }]);
    await vi.waitFor(() =>
      expect(deadLetters().some((d) => d.reason === 'identity_mismatch' && d.clientId === 'spoofer')).toBe(true),
    );
    expect(await metric('tidegate_readings_rejected_total{reason="identity_mismatch"}')).toContain('} 1');
  });

  it('closes the connection on a publish outside the device namespace', async () => {
    const stray = await connectDevice(tg.gateway.mqttPort, 'stray');
    open.push(stray);
    const closed = waitForClose(stray);
    stray.publish('sensors/stray', '{"a":1}', { qos: 1 });
    await closed;
    await vi.waitFor(() =>
      expect(deadLetters().some((d) => d.reason === 'invalid_topic' && d.topic === 'sensors/stray')).toBe(true),
    );
  });

  it('passes other topics in the device namespace through as plain MQTT without forwarding them', async () => {
    const dev = await connectDevice(tg.gateway.mqttPort, 'status-dev');
    open.push(dev);
    await dev.publishAsync('devices/status-dev/status', 'online', { qos: 1 });
    expect(dev.connected).toBe(true);
    const records = (await readStream(kinesis, 'telemetry')).filter((r) => r.partitionKey === 'status-dev');
    expect(records).toHaveLength(0);
  });

  it('stays ready after all of it', async () => {
    const res = await fetch(`http://127.0.0.1:${tg.gateway.httpPort}/readyz`);
    expect(res.status).toBe(200);
  });
});
