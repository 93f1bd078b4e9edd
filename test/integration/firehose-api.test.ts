import {
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransform } from '../../transforms/lambda/transform.js';
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import catalogJson from '../../transforms/catalog.json' with { type: 'json' };
import { startTestFirehose, type TestFirehose } from '../support/firehose.js';
import { readLines, TEST_BUCKET, waitForLines } from '../support/s3.js';

let fh: TestFirehose | undefined;
afterEach(async () => {
  await fh?.stop();
  fh = undefined;
});

const line = (i: number): Uint8Array => Buffer.from(`{"n":${i}}\n`);

describe('local Firehose API (Direct PUT) with the plain @aws-sdk/client-firehose', () => {
  it('lists and describes an ACTIVE Direct PUT delivery stream; an unknown one is ResourceNotFound', async () => {
    fh = await startTestFirehose();
    const list = await fh.client.send(new ListDeliveryStreamsCommand({}));
    expect(list.DeliveryStreamNames).toEqual(['telemetry-to-s3']);
    expect(list.HasMoreDeliveryStreams).toBe(false);
    const d = (await fh.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'telemetry-to-s3' }))).DeliveryStreamDescription;
    expect(d?.DeliveryStreamStatus).toBe('ACTIVE');
    expect(d?.DeliveryStreamType).toBe('DirectPut');
    expect(d?.DeliveryStreamARN).toBe('arn:aws:firehose:us-east-1:000000000000:deliverystream/telemetry-to-s3');
    expect(d?.CreateTimestamp).toBeInstanceOf(Date);
    expect(d?.Destinations?.[0]?.ExtendedS3DestinationDescription?.BucketARN).toBe(`arn:aws:s3:::${TEST_BUCKET}`);
    await expect(fh.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('PutRecordBatch and PutRecord answer with record ids once durable, and every record reaches S3', async () => {
    fh = await startTestFirehose();
    const out = await fh.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: Array.from({ length: 500 }, (_, i) => ({ Data: line(i) })) }),
    );
    expect(out.FailedPutCount).toBe(0);
    expect(out.RequestResponses).toHaveLength(500);
    const ids = out.RequestResponses?.map((r) => r.RecordId) ?? [];
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^\d{34}$/);
    const single = await fh.client.send(new PutRecordCommand({ DeliveryStreamName: 'telemetry-to-s3', Record: { Data: line(500) } }));
    expect(single.RecordId).toMatch(/^\d{34}$/);
    const lines = await waitForLines(fh.s3.client, TEST_BUCKET, '', 501);
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 501 }, (_, i) => i));
  });

  it('enforces the PutRecordBatch limits: 500 records, 1,000 KiB per record, 4 MiB per call', async () => {
    fh = await startTestFirehose();
    const put = (records: Uint8Array[]): Promise<unknown> =>
      (fh as TestFirehose).client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: records.map((Data) => ({ Data })) }));
    await expect(put(Array.from({ length: 501 }, (_, i) => line(i)))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(put([Buffer.alloc(1_024_001, 0x61)])).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(put(Array.from({ length: 5 }, () => Buffer.alloc(1_000_000, 0x61)))).rejects.toMatchObject({ name: 'InvalidArgumentException' });
    // Exactly at the limits is fine.
    const ok = (await put([Buffer.alloc(1_024_000, 0x61)])) as { FailedPutCount: number };
    expect(ok.FailedPutCount).toBe(0);
    expect(fh.stream.stats().recordsAccepted).toBe(1);
  });

  it('injected per-record failures come back in a 200 with FailedPutCount, and only accepted records are stored', async () => {
    fh = await startTestFirehose();
    fh.server.setRecordFault((_data, i) => (i % 3 === 1 ? 'ServiceUnavailableException' : i % 3 === 2 ? 'InternalFailure' : undefined));
    const out = await fh.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: Array.from({ length: 9 }, (_, i) => ({ Data: line(i) })) }),
    );
    expect(out.FailedPutCount).toBe(6);
    expect(out.RequestResponses?.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ok', 'ServiceUnavailableException', 'InternalFailure',
      'ok', 'ServiceUnavailableException', 'InternalFailure',
      'ok', 'ServiceUnavailableException', 'InternalFailure',
    ]);
    const lines = await waitForLines(fh.s3.client, TEST_BUCKET, '', 3);
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([0, 3, 6]);
    fh.server.setRecordFault(undefined);
    // The SDK's standard retry mode makes 3 attempts.
    fh.server.failNextRequests(3, 'ServiceUnavailableException');
    await expect(
      fh.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: [{ Data: line(99) }] })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    const metrics = await fh.registry.metrics();
    expect(metrics).toMatch(/tidegate_local_firehose_records_total\{outcome="ServiceUnavailableException"\} 3/);
    expect(metrics).toMatch(/tidegate_local_firehose_requests_total\{operation="PutRecordBatch",outcome="ServiceUnavailableException"\} 3/);
  });

  it('records acknowledged but not yet in S3 survive a restart of the delivery stream', async () => {
    // A long buffering interval: nothing reaches S3 before the close, whose deadline is 0 so nothing is flushed.
    fh = await startTestFirehose({ bufferIntervalS: 900, bufferSizeMB: 128, closeTimeoutMs: 0 });
    const out = await fh.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: Array.from({ length: 50 }, (_, i) => ({ Data: line(i) })) }),
    );
    expect(out.FailedPutCount).toBe(0);
    await fh.restart();
    expect(fh.stream.stats().replayed).toBe(50);
    await fh.stream.flush();
    // One object (flushed as one buffer): its lines are in acceptance order.
    const lines = await readLines(fh.s3.client, TEST_BUCKET, '');
    expect(lines.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('runs Direct PUT records through the transform: events carry no Kinesis metadata', async () => {
    const seen: unknown[] = [];
    const transform = createTransform({ catalog: parseCatalog(catalogJson, 'catalog.json') });
    fh = await startTestFirehose({
      transform: (event) => {
        seen.push(...event.records);
        return transform(event);
      },
    });
    const reading = { deviceId: 'sim-env-sensor-0001', epoch: 1, seq: 1, receivedAt: Date.now(), reading: { temperatureC: 21.5 } };
    await fh.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'telemetry-to-s3', Records: [{ Data: Buffer.from(JSON.stringify(reading) + '\n') }] }));
    const [out] = await waitForLines(fh.s3.client, TEST_BUCKET, '', 1);
    expect(JSON.parse(out as string)).toMatchObject({ deviceId: 'sim-env-sensor-0001', deviceType: 'env-sensor', reading: { temperatureC: 21.5 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toHaveProperty('kinesisRecordMetadata');
    expect(seen[0]).toMatchObject({ recordId: expect.stringMatching(/^\d{34}$/) as unknown });
  });
});
