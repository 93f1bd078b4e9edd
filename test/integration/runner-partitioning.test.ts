import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect } from 'vitest';
import { createRunnerTest } from '../support/runner-fixture.js';
import type { DeliveryTransform } from '../../transforms/delivery/index.js';
import { createTransform, loadCatalogFile } from '../../transforms/lambda/handler.js';
import { getObjectText, listObjects, readLines, TEST_BUCKET, waitFor, waitForLines } from '../support/s3.js';

const CATALOG = loadCatalogFile(new URL('../../transforms/catalog.json', import.meta.url).pathname);
const RECEIVED_AT = Date.UTC(2026, 10, 26, 10, 30);

const readings: Record<string, Record<string, number>> = {
  'sim-env-sensor-0001': { temperature: 21, humidity: 50, battery: 3.7 },
  'sim-vibration-monitor-0001': { vibrationRms: 1.2, temperature: 40, battery: 3.7 },
  'sim-asset-tracker-0001': { lat: 51.9, lon: 4.4, speed: 3, battery: 3.7 },
  'sim-lab-test-rig-0001': { temperature: 21, humidity: 50, battery: 3.7 },
};
const entries = (n: number) =>
  Object.entries(readings).flatMap(([deviceId, reading]) =>
    Array.from({ length: n }, (_, seq) => ({
      PartitionKey: deviceId,
      Data: Buffer.from(JSON.stringify({ deviceId, epoch: 1, seq, receivedAt: RECEIVED_AT, reading })),
    })),
  );

const it = createRunnerTest(() => ({ transform: createTransform({ catalog: CATALOG }) }));

describe('delivery runner dynamic partitioning (!{partitionKeyFromLambda:…})', () => {
  it('writes one object set per deviceType/date partition, with no timestamp appended', async ({ kinesis, s3, startRunner }) => {
    const runner = await startRunner({
      prefix: 'telemetry/type=!{partitionKeyFromLambda:deviceType}/date=!{partitionKeyFromLambda:date}/',
    });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: entries(10) }));
    await waitForLines(s3.client, TEST_BUCKET, 'telemetry/', 30);
    await runner.flush();
    const keys = (await listObjects(s3.client, TEST_BUCKET)).map((o) => o.key);
    const partitions = new Set(keys.map((k) => k.slice(0, k.lastIndexOf('/') + 1)));
    expect([...partitions].sort()).toEqual([
      'telemetry/type=asset-tracker/date=2026-11-26/',
      'telemetry/type=env-sensor/date=2026-11-26/',
      'telemetry/type=vibration-monitor/date=2026-11-26/',
    ]);
    for (const key of keys) {
      expect(key).toMatch(/^telemetry\/type=[a-z-]+\/date=2026-11-26\/telemetry-to-s3-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}$/);
      const type = /type=([a-z-]+)\//.exec(key)?.[1];
      const lines = (await getObjectText(s3.client, TEST_BUCKET, key)).trimEnd().split('\n').map((l) => JSON.parse(l) as { deviceType: string });
      expect(new Set(lines.map((l) => l.deviceType))).toEqual(new Set([type]));
    }
    // lab-test-rig is `drop: true` in the catalog: Dropped, in no object.
    expect(runner.stats().recordsDropped).toBe(10);
    expect(runner.stats().recordsDelivered).toBe(30);
  });

  it('a record without the partition key goes to the error output; timestamp and random-string expressions evaluate', async ({ kinesis, s3, startRunner }) => {
    const real = createTransform({ catalog: CATALOG });
    // Keys for every record but the vibration monitor's.
    const transform: DeliveryTransform = async (event) => {
      const out = await real(event);
      for (const [i, r] of out.records.entries()) {
        const device = JSON.parse(Buffer.from(event.records[i]?.data ?? '', 'base64').toString()) as { deviceId: string };
        if (device.deviceId.startsWith('sim-vibration')) delete r.metadata;
      }
      return out;
    };
    await startRunner({
      transform,
      prefix: 'p/!{partitionKeyFromLambda:deviceType}/!{timestamp:yyyy}/!{firehose:random-string}/',
    });
    const before = new Date().getUTCFullYear();
    await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: entries(3) }));
    const errors = (await waitForLines(s3.client, TEST_BUCKET, 'processing-failed/', 3)).map((l) => JSON.parse(l) as { errorCode: string; attemptsMade: number; rawData: string });
    for (const e of errors) {
      expect(e).toMatchObject({ errorCode: 'DynamicPartitioning.MetadataExtractionFailed', attemptsMade: 1 });
      expect(Buffer.from(e.rawData, 'base64').toString()).toContain('sim-vibration-monitor-0001');
    }
    const keys = await waitFor(async () => {
      const k = (await listObjects(s3.client, TEST_BUCKET, 'p/')).map((o) => o.key);
      return (await readLines(s3.client, TEST_BUCKET, 'p/')).length >= 6 ? k : undefined;
    });
    for (const key of keys) expect(key).toMatch(new RegExp(`^p/(env-sensor|asset-tracker)/(${before}|${before + 1})/[a-z0-9]{11}/telemetry-to-s3-1-`));
  });
});
