import { gunzipSync } from 'node:zlib';
import { describe, expect } from 'vitest';
import { KPL_MAGIC } from '../../common/kpl/index.js';
import { createTransform, loadCatalogFile } from '../../transforms/lambda/handler.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { readRawStream } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { createRunnerTest } from '../support/runner-fixture.js';
import { getObject, listObjects, TEST_BUCKET, waitFor } from '../support/s3.js';

const CATALOG = loadCatalogFile(new URL('../../transforms/catalog.json', import.meta.url).pathname);
const OBJECT_KEY = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/telemetry-to-s3-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(\.gz)?$/;

interface Line {
  deviceId: string;
  seq: number;
  deviceType: string;
  site: string | null;
  reading: Record<string, number>;
  units: Record<string, string>;
  derived: Record<string, number>;
  processedAt: string;
}

// The Kinesis side is the gateway's own (local mode: embedded Kinesis with stream `telemetry`).
const it = createRunnerTest(() => ({ transform: createTransform({ catalog: CATALOG }) })).extend<{ tg: TestGateway; kinesisEndpoint: string }>({
  tg: async ({}, use) => {
    const tg = await startTestGateway();
    try {
      await use(tg);
    } finally {
      await tg.stop();
    }
  },
  kinesisEndpoint: async ({ tg }, use) => {
    await use(tg.gateway.kinesisEndpoint as string);
  },
});

describe('delivery runner end to end: MQTT → gateway (KPL) → Kinesis → runner + transform → S3', () => {
  for (const compression of ['UNCOMPRESSED', 'GZIP'] as const) {
    it(`publishes readings that land as enriched JSON lines under yyyy/MM/dd/HH/ (${compression})`, async ({ tg, kinesis, s3, startRunner }) => {
      const runner = await startRunner({
        compression,
        pollIntervalMs: 200,
        processorBufferIntervalS: 0.2,
        bufferIntervalS: 0.5,
      });

      const devices = ['sim-env-sensor-0001', 'sim-env-sensor-0002', 'sim-env-sensor-imperial-0003', 'dev-42'];
      const perDevice = 60;
      const clients = await Promise.all(devices.map((id) => connectDevice(tg.gateway.mqttPort, id)));
      try {
        await Promise.all(
          clients.map(async (c, d) => {
            const sends = [];
            for (let n = 0; n < perDevice; n++) {
              const temperature = d === 2 ? 70 + (n % 5) : 20 + (n % 5);
              sends.push(c.publishAsync(`devices/${devices[d]}/telemetry`, JSON.stringify({ temperature, humidity: 50, battery: 3.7 }), { qos: 1 }));
            }
            await Promise.all(sends);
          }),
        );
      } finally {
        await closeAll(clients);
      }
      // The gateway aggregated (KPL), so the runner had to deaggregate.
      const raw = await readRawStream(kinesis, 'telemetry');
      expect(raw.some((r) => r.data.subarray(0, 4).equals(KPL_MAGIC))).toBe(true);

      const total = devices.length * perDevice;
      const objects = await waitFor(async () => {
        const list = await listObjects(s3.client, TEST_BUCKET);
        let lines = 0;
        for (const o of list) lines += (await body(o.key)).split('\n').length - 1;
        return lines >= total ? list : undefined;
      });
      async function body(key: string): Promise<string> {
        const bytes = await getObject(s3.client, TEST_BUCKET, key);
        return (compression === 'GZIP' ? gunzipSync(bytes) : bytes).toString('utf8');
      }

      const lines: Line[] = [];
      for (const o of objects) {
        const m = OBJECT_KEY.exec(o.key);
        expect(m, o.key).not.toBeNull();
        // The prefix hour and the name's time both come from the oldest record's arrival (as on Firehose).
        expect(m?.slice(1, 5)).toEqual(m?.slice(5, 9));
        expect(m?.[9]).toBe(compression === 'GZIP' ? '.gz' : undefined);
        const text = await body(o.key);
        // Records are concatenated with no delimiter; the transform ends each line with \n.
        expect(text.endsWith('\n')).toBe(true);
        const inObject = text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Line);
        // Within an object, each device's readings keep their order (names only order objects to the second).
        for (const id of devices) {
          const seqs = inObject.filter((l) => l.deviceId === id).map((l) => l.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
        lines.push(...inObject);
      }
      expect(lines).toHaveLength(total);
      for (const id of devices) expect(new Set(lines.filter((l) => l.deviceId === id).map((l) => l.seq)).size).toBe(perDevice);
      const imperial = lines.find((l) => l.deviceId === 'sim-env-sensor-imperial-0003');
      expect(imperial).toMatchObject({ deviceType: 'env-sensor-imperial', site: 'sim-site-us', units: { temperature: 'C' } });
      expect(imperial?.reading['temperature']).toBeLessThan(30);
      expect(lines.find((l) => l.deviceId === 'dev-42')).toMatchObject({ deviceType: 'env-sensor', site: 'demo' });
      expect(lines.every((l) => typeof l.derived['dewPoint'] === 'number')).toBe(true);

      const stats = runner.stats();
      expect(stats.recordsDelivered).toBe(total);
      expect(stats.recordsRead).toBe(total);
      expect(stats.kinesisRecordsRead).toBeLessThan(total);
      expect(stats.recordsFailed).toBe(0);
      const metrics = await runner.metrics.registry.metrics();
      expect(metrics).toMatch(new RegExp(`^tidegate_delivery_records_delivered_total ${total}$`, 'm'));
      expect(metrics).toMatch(/^tidegate_delivery_transform_invocations_total\{outcome="ok"\} \d+$/m);
      expect(metrics).toMatch(/^tidegate_delivery_latency_seconds_count\{kind="data"\} \d+$/m);
    });
  }
});
