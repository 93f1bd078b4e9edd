import { DescribeDeliveryStreamCommand, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { afterEach, expect, it } from 'vitest';
import { createS3Client, LOCAL_S3_CREDENTIALS } from '../../stack/s3-server.js';
import { spawnGateway, type ChildGateway } from '../../stack/harness/gateway-process.js';
import { testFirehoseClient } from '../support/firehose.js';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { TEST_BUCKET, waitForLines } from '../support/s3.js';
import { makeTempDir } from '../support/tmp.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

// What `npm start -- --sink firehose` runs, on free ports instead of 1883/8080/4573/4569.
it('the compiled gateway with --sink firehose serves an ACTIVE telemetry-to-s3 to the plain SDK and delivers MQTT readings to S3', async () => {
  const dir = makeTempDir();
  cleanup.push(() => dir.remove());
  const gw: ChildGateway = await spawnGateway([
    '--mode', 'local', '--sink', 'firehose', '--local-firehose-port', '0', '--local-s3-port', '0',
    '--delivery-buffer-interval-s', '1', '--data-dir', dir.path,
  ]);
  cleanup.push(() => gw.kill());
  const started = gw.logs.find((l) => l['msg'] === 'local Firehose API started: Direct PUT → transform → S3');
  const endpoint = String(started?.['endpoint']);
  const s3Endpoint = String(started?.['s3']);
  expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  const firehose = testFirehoseClient(endpoint);
  const s3 = createS3Client({ endpoint: s3Endpoint, region: 'us-east-1', credentials: LOCAL_S3_CREDENTIALS });
  cleanup.push(() => {
    firehose.destroy();
    s3.destroy();
  });
  const description = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'telemetry-to-s3' }))).DeliveryStreamDescription;
  expect(description?.DeliveryStreamStatus).toBe('ACTIVE');
  const direct = { deviceId: 'sdk-writer', epoch: 1, seq: 1, receivedAt: Date.now(), reading: { source: 'sdk' } };
  const put = await firehose.send(
    new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: [{ Data: Buffer.from(JSON.stringify(direct) + '\n') }] }),
  );
  expect(put.FailedPutCount).toBe(0);

  const client = await connectDevice(gw.mqttPort, 'sim-env-sensor-0042');
  cleanup.push(() => closeAll([client]));
  for (let i = 1; i <= 10; i++) {
    await client.publishAsync('devices/sim-env-sensor-0042/telemetry', JSON.stringify({ temperatureC: 20 + i }), { qos: 1 });
  }
  const lines = (await waitForLines(s3, TEST_BUCKET, '', 11, 60_000)).map((l) => JSON.parse(l) as { deviceId: string; seq: number });
  expect(lines.filter((l) => l.deviceId === 'sim-env-sensor-0042').map((l) => l.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(lines.some((l) => l.deviceId === 'sdk-writer')).toBe(true);

  await closeAll([client]);
  gw.child.kill('SIGTERM');
  expect(await gw.exited).toBe(0);
}, 90_000);
