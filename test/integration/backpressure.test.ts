import { afterEach, describe, expect, it } from 'vitest';
import { startKinesisEndpoint, type KinesisEndpoint } from '../../stack/kinesis-faults/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { parseRecord, readStream, testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';

describe('backpressure', () => {
  let endpoint: KinesisEndpoint | undefined;
  let tg: TestGateway | undefined;
  afterEach(async () => {
    await tg?.stop();
    await endpoint?.close();
  });

  it('stops reading device sockets when the bridge is full instead of growing memory or dropping readings', async () => {
    // A slow Kinesis: every PutRecords takes 20 ms, one request at a time.
    endpoint = await startKinesisEndpoint({ latencyMs: 20 });
    const limit = 200;
    tg = await startTestGateway([
      '--kinesis-endpoint', endpoint.endpoint, '--max-buffered-readings', String(limit), '--max-in-flight', '1',
    ]);
    const bridge = tg.gateway.bridge;
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, bridge.stats().bufferedReadings);
    }, 1);
    const devices = ['flood-a', 'flood-b'];
    const clients = await Promise.all(devices.map((id) => connectDevice(tg!.gateway.mqttPort, id)));
    const total = 20_000;
    try {
      for (let n = 0; n < total; n++) {
        clients.forEach((c, i) => c.publish(`devices/${devices[i]}/telemetry`, `{"n":${n}}`, { qos: 0 }));
      }
      // QoS 0 has no acknowledgement; a final QoS 1 reading per device is acknowledged after everything before it.
      await Promise.all(clients.map((c, i) => c.publishAsync(`devices/${devices[i]}/telemetry`, `{"n":${total}}`, { qos: 1 })));
    } finally {
      clearInterval(sampler);
      await closeAll(clients);
    }
    // 40,000 readings went through a 200-reading buffer: it overflowed at most by what aedes had already parsed
    // from the sockets' last reads, not by the flood.
    expect(maxBuffered).toBeGreaterThanOrEqual(limit);
    expect(maxBuffered).toBeLessThan((total * devices.length) / 2);
    expect(tg.logs.some((l) => l['msg'] === 'bridge buffers full: backpressure on')).toBe(true);

    const kinesis = testKinesisClient(endpoint.endpoint);
    try {
      const records = (await readStream(kinesis, 'telemetry')).map(parseRecord);
      for (const id of devices) {
        const ns = records.filter((r) => r.deviceId === id).map((r) => r.reading['n']);
        expect(ns).toEqual(Array.from({ length: total + 1 }, (_, n) => n));
      }
    } finally {
      kinesis.destroy();
    }
  });
});
