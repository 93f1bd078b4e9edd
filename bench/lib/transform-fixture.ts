/**
 * Firehose transform inputs for the benchmark: ~1 MB invocations of gateway records (~200 bytes each, a fleet's
 * device mix), and the floor any JSON-in/JSON-out transform pays per record, measured beside the real one.
 */
import type { TransformEvent, TransformEventRecord } from '../../transforms/lambda/types.js';

export const RECEIVED_AT = Date.UTC(2026, 10, 26, 10, 0, 0);

const DEVICE_MIX = [
  { prefix: 'sim-env-sensor-', weight: 40, reading: (i: number) => ({ temperature: 18 + (i % 70) / 10, humidity: 35 + (i % 40), battery: 3.6 + (i % 5) / 100 }) },
  { prefix: 'sim-env-sensor-imperial-', weight: 20, reading: (i: number) => ({ temperature: 64 + (i % 90) / 10, humidity: 40 + (i % 30), battery: 3.7 }) },
  { prefix: 'sim-vibration-monitor-', weight: 20, reading: (i: number) => ({ vibrationRms: 0.5 + (i % 50) / 10, temperature: 41.2, battery: 3.65 }) },
  { prefix: 'sim-asset-tracker-', weight: 20, reading: (i: number) => ({ lat: 51.9 + (i % 100) / 1e4, lon: 4.4 + (i % 77) / 1e4, speed: (i % 300) / 10, battery: 3.8 }) },
] as const;

/** `count` gateway records padded to ~200 bytes; every `badEvery`-th one truncated (→ ProcessingFailed); 0: none. */
export function makeTransformEvent(count: number, badEvery: number): TransformEvent {
  const weights = DEVICE_MIX.flatMap((d) => Array<typeof d>(d.weight).fill(d));
  const records: TransformEventRecord[] = [];
  for (let i = 0; i < count; i++) {
    const d = weights[i % weights.length] as (typeof DEVICE_MIX)[number];
    const base = { deviceId: `${d.prefix}${String(i % 500).padStart(4, '0')}`, epoch: 1795655957515, seq: i + 1, receivedAt: RECEIVED_AT + i * 7 };
    const reading = { ...d.reading(i), ts: RECEIVED_AT + i * 7 - 1500, fw: '' };
    const size = JSON.stringify({ ...base, reading }).length;
    reading.fw = `fw-2.4.1-${'x'.repeat(Math.max(0, 200 - size - 9))}`;
    let text = JSON.stringify({ ...base, reading });
    if (badEvery > 0 && i % badEvery === badEvery - 1) text = text.slice(0, -3);
    records.push({
      recordId: `49546986683135544286507457936321625675700192471156785154${String(i).padStart(6, '0')}`,
      approximateArrivalTimestamp: RECEIVED_AT + i * 7,
      data: Buffer.from(text).toString('base64'),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: base.deviceId,
        approximateArrivalTimestamp: RECEIVED_AT + i * 7,
        sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
        subsequenceNumber: 0,
      },
    });
  }
  return {
    invocationId: '2b4d1ad9-2f48-94bd-a088-767c317e994a',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/tidegate',
    sourceKinesisStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/tidegate',
    region: 'eu-west-1',
    records,
  };
}

/** The floor: base64 decode → JSON.parse → JSON.stringify → base64 encode, per record. */
export async function floorTransform(event: TransformEvent): Promise<{ records: Array<{ recordId: string; result: 'Ok'; data: string }> }> {
  return {
    records: event.records.map((r) => ({
      recordId: r.recordId,
      result: 'Ok' as const,
      data: Buffer.from(`${JSON.stringify(JSON.parse(Buffer.from(r.data, 'base64').toString('utf8')))}\n`).toString('base64'),
    })),
  };
}
