import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, LOCAL_S3_CREDENTIALS } from '../../stack/s3-server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { testKinesisClient } from '../support/kinesis.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { listObjects, readLines, waitFor } from '../support/s3.js';

/** What `npm start` runs: broker → bridge → Kinesis → delivery runner (transform) → S3, all through the AWS SDK. */
describe('the whole local pipeline: MQTT → Kinesis → transform → S3', () => {
  let tg: TestGateway;
  beforeAll(async () => {
    tg = await startTestGateway(['--delivery', 'on', '--delivery-buffer-interval-s', '1']);
  });
  afterAll(async () => tg?.stop());

  it('delivers enriched, newline-terminated JSON lines under a Firehose-style key, and garbage to processing-failed', async () => {
    const s3 = createS3Client({ endpoint: tg.gateway.s3Endpoint as string, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
    const kinesis = testKinesisClient(tg.gateway.kinesisEndpoint as string);
    const devices = ['sim-env-sensor-00001', 'sim-env-sensor-imperial-00002', 'dev-42'];
    const clients = await Promise.all(devices.map((id) => connectDevice(tg.gateway.mqttPort, id)));
    try {
      for (const [i, c] of clients.entries()) {
        for (let n = 0; n < 5; n++) {
          const reading = i === 1 ? { temperature: 70 + n, humidity: 40, battery: 3.9, n } : { temperature: 21 + n, humidity: 40, battery: 3.9, n };
          await c.publishAsync(`devices/${devices[i]}/telemetry`, JSON.stringify(reading), { qos: 1 });
        }
      }
      await kinesis.send(new PutRecordCommand({ StreamName: 'telemetry', PartitionKey: 'garbage', Data: Buffer.from('not a reading at all') }));

      const lines = await waitFor(async () => {
        const keys = (await listObjects(s3, 'telemetry-archive')).map((o) => o.key).filter((k) => !k.startsWith('processing-failed/'));
        const all = (await Promise.all(keys.map((k) => readLines(s3, 'telemetry-archive', k)))).flat();
        return all.length >= 15 ? { keys, all } : undefined;
      }, 30_000);
      for (const key of lines.keys) expect(key).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{2}\/telemetry-to-s3-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$/);
      const parsed = lines.all.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(parsed).toHaveLength(15);
      const imperial = parsed.filter((r) => r['deviceId'] === 'sim-env-sensor-imperial-00002');
      expect(imperial).toHaveLength(5);
      expect(imperial[0]).toMatchObject({ deviceType: 'env-sensor-imperial', units: { temperature: 'C' } });
      expect((imperial[0]?.['reading'] as { temperature: number }).temperature).toBeCloseTo(((70 - 32) * 5) / 9, 1);
      expect(parsed.every((r) => typeof r['processedAt'] === 'string')).toBe(true);

      const failed = await waitFor(async () => {
        const all = await readLines(s3, 'telemetry-archive', 'processing-failed/');
        return all.length > 0 ? all : undefined;
      }, 30_000);
      const error = JSON.parse(failed[0] as string) as Record<string, unknown>;
      expect(error).toMatchObject({ errorCode: expect.any(String), attemptsMade: expect.any(Number) });
      expect(Buffer.from(String(error['rawData']), 'base64').toString()).toBe('not a reading at all');
      for (const field of ['arrivalTimestamp', 'errorMessage', 'attemptEndingTimestamp', 'lambdaArn']) expect(error).toHaveProperty(field);
    } finally {
      await closeAll(clients);
      kinesis.destroy();
      s3.destroy();
    }
  });
});
