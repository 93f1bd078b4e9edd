import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect } from 'vitest';
import { encodeAggregate } from '../../common/kpl/index.js';
import { createRunnerTest } from '../support/runner-fixture.js';
import type { DeliveryTransform } from '../../transforms/delivery/index.js';
import { createTransform, loadCatalogFile } from '../../transforms/lambda/handler.js';
import { listObjects, readLines, TEST_BUCKET, waitForLines } from '../support/s3.js';

const CATALOG = loadCatalogFile(new URL('../../transforms/catalog.json', import.meta.url).pathname);
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:tidegate-transform';
const ERROR_KEY = /^processing-failed\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/telemetry-to-s3-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}$/;

interface ErrorLine {
  attemptsMade: number;
  arrivalTimestamp: number;
  errorCode: string;
  errorMessage: string;
  attemptEndingTimestamp: number;
  rawData: string;
  lambdaArn?: string;
}

const reading = (deviceId: string, seq: number): Buffer =>
  Buffer.from(JSON.stringify({ deviceId, epoch: 1, seq, receivedAt: Date.now(), reading: { temperature: 20, humidity: 50, battery: 3.7 } }));

const it = createRunnerTest(() => ({ lambdaArn: LAMBDA_ARN, invocationRetryDelayMs: 10 }));

describe('delivery runner error output (Firehose status model and error records)', () => {
  it('a garbage record put straight into the stream ends in processing-failed/ with rawData, code, attempts, ARN', async ({ kinesis, s3, startRunner }) => {
    await startRunner({ transform: createTransform({ catalog: CATALOG }) });
    const garbage = Buffer.from([0xff, 0x00, 0x7b, 0x6e, 0x6f, 0x74, 0x20, 0x6a, 0x73, 0x6f, 0x6e]);
    const before = Date.now();
    await kinesis.send(new PutRecordCommand({ StreamName: 'telemetry', PartitionKey: 'raw', Data: garbage }));
    await kinesis.send(new PutRecordCommand({ StreamName: 'telemetry', PartitionKey: 'dev-42', Data: reading('dev-42', 1) }));

    const [line] = await waitForLines(s3.client, TEST_BUCKET, 'processing-failed/', 1);
    const objects = await listObjects(s3.client, TEST_BUCKET, 'processing-failed/');
    expect(objects.map((o) => o.key)).toEqual([expect.stringMatching(ERROR_KEY)]);
    const err = JSON.parse(line as string) as ErrorLine;
    expect(Object.keys(err)).toEqual(['attemptsMade', 'arrivalTimestamp', 'errorCode', 'errorMessage', 'attemptEndingTimestamp', 'rawData', 'lambdaArn']);
    expect(err).toMatchObject({ attemptsMade: 1, errorCode: 'Lambda.ProcessingFailed', rawData: garbage.toString('base64'), lambdaArn: LAMBDA_ARN });
    expect(err.arrivalTimestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(err.attemptEndingTimestamp).toBeGreaterThanOrEqual(err.arrivalTimestamp);
    // The good record is delivered beside it.
    const delivered = await waitForLines(s3.client, TEST_BUCKET, '2', 1);
    expect(JSON.parse(delivered[0] as string)).toMatchObject({ deviceId: 'dev-42', seq: 1 });
  });

  it('a throwing transform is retried NumberOfRetries times, then the batch goes to the error output (Lambda.FunctionError, 4 attempts)', async ({ kinesis, s3, startRunner }) => {
    let calls = 0;
    const transform: DeliveryTransform = async () => {
      calls++;
      throw new Error('boom');
    };
    const runner = await startRunner({ transform, processorBufferIntervalS: 0.5 });
    const data = [reading('a', 1), reading('b', 2), reading('c', 3)];
    await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: data.map((Data, i) => ({ Data, PartitionKey: `k${i}` })) }));
    const lines = (await waitForLines(s3.client, TEST_BUCKET, 'processing-failed/', 3)).map((l) => JSON.parse(l) as ErrorLine);
    expect(lines.map((l) => l.rawData).sort()).toEqual(data.map((d) => d.toString('base64')).sort());
    for (const l of lines) {
      expect(l).toMatchObject({
        attemptsMade: 4,
        errorCode: 'Lambda.FunctionError',
        errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
        lambdaArn: LAMBDA_ARN,
      });
    }
    // One batch (or a few, if the records straddled a processor interval), 4 attempts each.
    expect(calls % 4).toBe(0);
    expect(await listObjects(s3.client, TEST_BUCKET, '2')).toEqual([]);
    const metrics = await runner.metrics.registry.metrics();
    expect(metrics).toMatch(/^tidegate_delivery_transform_invocations_total\{outcome="Lambda\.FunctionError"\} (4|8|12)$/m);
    expect(metrics).toMatch(/^tidegate_delivery_records_failed_total\{error_code="Lambda\.FunctionError"\} 3$/m);
  });

  for (const [code, answer] of [
    ['Lambda.MissingRecordId', (ids: string[]) => ids.slice(1)],
    ['Lambda.DuplicatedRecordId', (ids: string[]) => [...ids, ids[0] as string]],
  ] as const) {
    it(`a transform that answers the wrong ids fails its batch with ${code}, not retried`, async ({ kinesis, s3, startRunner }) => {
      let calls = 0;
      const transform: DeliveryTransform = async (event) => {
        calls++;
        const byId = new Map(event.records.map((r) => [r.recordId, r]));
        return { records: answer(event.records.map((r) => r.recordId)).map((recordId) => ({ recordId, result: 'Ok', data: byId.get(recordId)?.data })) };
      };
      await startRunner({ transform, processorBufferIntervalS: 0.5 });
      const data = [reading('a', 1), reading('b', 2)];
      await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: data.map((Data, i) => ({ Data, PartitionKey: `k${i}` })) }));
      const lines = (await waitForLines(s3.client, TEST_BUCKET, 'processing-failed/', 2)).map((l) => JSON.parse(l) as ErrorLine);
      for (const l of lines) expect(l).toMatchObject({ errorCode: code, attemptsMade: 1, lambdaArn: LAMBDA_ARN });
      expect(lines.map((l) => l.rawData).sort()).toEqual(data.map((d) => d.toString('base64')).sort());
      expect(calls).toBeLessThanOrEqual(2);
      expect(await listObjects(s3.client, TEST_BUCKET, '2')).toEqual([]);
    });
  }

  it('a corrupt KPL aggregate goes to the error output whole (Kinesis.DeaggregationFailed); good aggregates are split', async ({ kinesis, s3, startRunner }) => {
    await startRunner({ transform: createTransform({ catalog: CATALOG }) });
    const good = encodeAggregate([
      { partitionKey: 'dev-42', data: reading('dev-42', 1) },
      { partitionKey: 'dev-42', data: reading('dev-42', 2) },
    ]);
    const corrupt = Buffer.from(good);
    corrupt[10] = (corrupt[10] as number) ^ 0xff;
    await kinesis.send(new PutRecordCommand({ StreamName: 'telemetry', PartitionKey: 'dev-42', Data: corrupt }));
    await kinesis.send(new PutRecordCommand({ StreamName: 'telemetry', PartitionKey: 'dev-42', Data: good }));
    const [line] = await waitForLines(s3.client, TEST_BUCKET, 'processing-failed/', 1);
    expect(JSON.parse(line as string)).toMatchObject({
      attemptsMade: 0,
      errorCode: 'Kinesis.DeaggregationFailed',
      errorMessage: expect.stringMatching(/^KPL_CHECKSUM_MISMATCH/),
      rawData: corrupt.toString('base64'),
    });
    const delivered = (await waitForLines(s3.client, TEST_BUCKET, '2', 2)).map((l) => JSON.parse(l) as { seq: number });
    expect(delivered.map((d) => d.seq)).toEqual([1, 2]);
    expect(await readLines(s3.client, TEST_BUCKET, 'processing-failed/')).toHaveLength(1);
  });

  it('without a transform, records are written as read (deaggregated), with no delimiter', async ({ kinesis, s3, startRunner }) => {
    await startRunner({});
    const aggregate = encodeAggregate([{ partitionKey: 'p', data: Buffer.from('ab') }, { partitionKey: 'q', data: Buffer.from('cd') }]);
    // One call, one shard (same outer key): one GetRecords page, so one object.
    await kinesis.send(
      new PutRecordsCommand({ StreamName: 'telemetry', Records: [{ PartitionKey: 'p', Data: aggregate }, { PartitionKey: 'p', Data: Buffer.from('ef') }] }),
    );
    const [text] = await waitForLines(s3.client, TEST_BUCKET, '2', 1);
    expect(text).toBe('abcdef');
    expect(await listObjects(s3.client, TEST_BUCKET)).toHaveLength(1);
  });

  it('a failing PutObject is retried with backoff until it succeeds; nothing is dropped', async ({ kinesis, s3, startRunner }) => {
    let failures = 3;
    const flaky = (client: S3Client): S3Client => {
      const send = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
      return new Proxy(client, {
        get(target, prop, receiver) {
          if (prop !== 'send') return Reflect.get(target, prop, receiver);
          return async (command: unknown, options?: unknown) => {
            if (command instanceof PutObjectCommand && failures-- > 0) throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
            return send(command, options);
          };
        },
      });
    };
    const runner = await startRunner({ transform: createTransform({ catalog: CATALOG }), retryBaseMs: 20, retryMaxMs: 40, s3: flaky(s3.client) });
    await kinesis.send(new PutRecordsCommand({ StreamName: 'telemetry', Records: [1, 2, 3].map((n) => ({ PartitionKey: 'dev-42', Data: reading('dev-42', n) })) }));
    const lines = await waitForLines(s3.client, TEST_BUCKET, '2', 3);
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3]);
    await runner.flush();
    expect(runner.stats()).toMatchObject({ recordsDelivered: 3, objectsWritten: 1, bufferedBytes: 0 });
    expect(runner.stats().shards.some((s) => s.position !== undefined)).toBe(true);
    expect(await runner.metrics.registry.metrics()).toMatch(/^tidegate_delivery_s3_errors_total\{error_code="SlowDown"\} 3$/m);
  });
});
