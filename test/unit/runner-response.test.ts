import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Failure } from '../../transforms/delivery/s3-writer/error-output.js';
import { invokeTransform, type DeliveryTransform } from '../../transforms/delivery/transform/invoke.js';
import { createDeliveryMetrics } from '../../transforms/delivery/metrics.js';
import { createProcessor } from '../../transforms/delivery/transform/processor.js';
import { createShardProgress } from '../../transforms/delivery/checkpoint/progress.js';
import { recordIdOf, type DeliveryTransformEvent, type SourceRecord } from '../../transforms/delivery/records/records.js';
import { isBase64, responseBytes, validateResponse } from '../../transforms/delivery/transform/response.js';

const ids = (...xs: string[]): Set<string> => new Set(xs);
const ok = (recordId: string, data = 'eA==') => ({ recordId, result: 'Ok', data });

describe('response validation (Firehose status model)', () => {
  it('accepts Ok / Dropped / ProcessingFailed, decodes Ok data and keeps partition keys', () => {
    const out = validateResponse(
      {
        records: [
          { recordId: 'a', result: 'Ok', data: Buffer.from('line\n').toString('base64'), metadata: { partitionKeys: { deviceType: 't' } } },
          { recordId: 'b', result: 'Dropped', data: '' },
          { recordId: 'c', result: 'ProcessingFailed', data: 'eA==' },
        ],
      },
      ids('a', 'b', 'c'),
    );
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.results.get('a')?.data?.toString()).toBe('line\n');
    expect(out.results.get('a')?.partitionKeys).toEqual({ deviceType: 't' });
    expect(out.results.get('b')?.result).toBe('Dropped');
    expect(out.results.get('c')?.result).toBe('ProcessingFailed');
    expect(out.unknownIds).toBe(0);
  });

  it('Lambda.MissingRecordId when an id is not returned', () => {
    const out = validateResponse({ records: [ok('a')] }, ids('a', 'b'));
    expect(out).toMatchObject({ ok: false, code: 'Lambda.MissingRecordId' });
  });

  it('Lambda.DuplicatedRecordId when an id is returned twice (even if another is missing)', () => {
    expect(validateResponse({ records: [ok('a'), ok('a')] }, ids('a', 'b'))).toMatchObject({ ok: false, code: 'Lambda.DuplicatedRecordId' });
    expect(validateResponse({ records: [ok('a'), ok('b'), ok('b')] }, ids('a', 'b'))).toMatchObject({ ok: false, code: 'Lambda.DuplicatedRecordId' });
  });

  it('Lambda.JsonProcessingException for a wrong shape or status model', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'records',
      [ok('a')],
      {},
      { records: {} },
      { records: [null] },
      { records: [{ result: 'Ok', data: '' }] },
      { records: [{ recordId: 1, result: 'Ok', data: '' }] },
      { records: [{ recordId: 'a', result: 'OK', data: '' }] },
      { records: [{ recordId: 'a', result: 'Ok' }] },
      { records: [{ recordId: 'a', result: 'Dropped' }] },
      { records: [{ recordId: 'a', result: 'Ok', data: 'not base64!' }] },
      { records: [{ recordId: 'a', result: 'Ok', data: 'eA', metadata: 'x' }] },
      { records: [{ recordId: 'a', result: 'Ok', data: 'eA', metadata: { partitionKeys: { k: 1 } } }] },
    ];
    for (const response of bad) {
      expect(validateResponse(response, ids('a')), JSON.stringify(response) ?? 'undefined').toMatchObject({
        ok: false,
        code: 'Lambda.JsonProcessingException',
      });
    }
  });

  it('ignores unknown extra ids (observed on AWS) and counts them', () => {
    const out = validateResponse({ records: [ok('a'), ok('zzz')] }, ids('a'));
    expect(out).toMatchObject({ ok: true, unknownIds: 1 });
  });

  it('base64: standard alphabet, optional padding, complete groups', () => {
    for (const s of ['', 'eA==', 'eA', 'eHk=', 'eHk', 'eHl6', 'ab+/']) expect(isBase64(s), s).toBe(true);
    for (const s of ['e', 'eA=', 'eA===', 'e-_A', 'eA==eA==', ' eA==', 'eA\n']) expect(isBase64(s), s).toBe(false);
  });

  it('computes the JSON size of a response exactly for the usual shape', () => {
    const meta = { partitionKeys: { deviceType: 'env-sensor', date: '2026-11-26', hour: '10' } };
    const responses: unknown[] = [
      { records: [] },
      { records: [ok('a'), { recordId: 'b', result: 'Dropped', data: '' }, { ...ok('c', 'eHl6'), metadata: meta }, { ...ok('d'), metadata: meta }] },
      { records: [{ recordId: 'é"', result: 'Ok', data: 'eA==', extra: [1, { x: null }] }] },
      { records: [1, 'x'] },
      { other: true },
    ];
    for (const r of responses) expect(responseBytes(r)).toBe(Buffer.byteLength(JSON.stringify(r)));
  });
});

const EVENT: DeliveryTransformEvent = {
  invocationId: 'i',
  deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/d',
  sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
  region: 'us-east-1',
  records: [],
};
const invokeWith = (transform: DeliveryTransform, timeoutMs = 1000, maxResponseBytes = 6 * 1024 * 1024) =>
  invokeTransform({ transform, lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:f', timeoutMs, maxResponseBytes }, EVENT);

describe('transform invocation (Lambda handler semantics)', () => {
  it('takes the result from a promise or from the callback', async () => {
    expect(await invokeWith(async () => ({ records: [] }))).toEqual({ kind: 'response', response: { records: [] } });
    expect(await invokeWith((_e, _c, cb) => setTimeout(() => cb(null, { records: [1] }), 5))).toEqual({ kind: 'response', response: { records: [1] } });
  });

  it('passes a Lambda context named after the ARN', async () => {
    let name = '';
    await invokeWith(async (_e, context) => {
      name = context.functionName;
      return {};
    });
    expect(name).toBe('f');
  });

  it('a thrown error, a rejection or a callback error is Lambda.FunctionError', async () => {
    expect(await invokeWith(() => {
      throw new Error('sync');
    })).toMatchObject({ kind: 'error', code: 'Lambda.FunctionError', detail: 'Error: sync' });
    expect(await invokeWith(async () => Promise.reject(new TypeError('async')))).toMatchObject({ code: 'Lambda.FunctionError', detail: 'TypeError: async' });
    expect(await invokeWith((_e, _c, cb) => cb(new Error('cb')))).toMatchObject({ code: 'Lambda.FunctionError' });
  });

  it('no answer within the timeout is Lambda.FunctionTimedOut', async () => {
    expect(await invokeWith(() => new Promise(() => undefined), 20)).toMatchObject({ kind: 'error', code: 'Lambda.FunctionTimedOut' });
  });

  it('a response over the Lambda limit fails the invocation', async () => {
    const out = await invokeWith(async () => ({ records: [ok('a', 'eA=='.repeat(100))] }), 1000, 100);
    expect(out).toMatchObject({ kind: 'error', code: 'Lambda.FunctionError' });
  });
});

function records(n: number): SourceRecord[] {
  const progress = createShardProgress('shardId-000000000000');
  return Array.from({ length: n }, (_, i) => {
    const sequenceNumber = String(49_000_000_000 + i);
    return {
      shardId: 'shardId-000000000000',
      sequenceNumber,
      subsequenceNumber: 0,
      partitionKey: 'k',
      arrival: 1_795_600_000_000 + i,
      data: Buffer.from(`r${i}`),
      entry: progress.track(sequenceNumber, 1),
    };
  });
}

async function runBatch(transform: DeliveryTransform, n = 3, numberOfRetries = 3) {
  const failed: Array<{ id: string; failure: Failure }> = [];
  const okIds: string[] = [];
  const dropped: string[] = [];
  let calls = 0;
  const processor = createProcessor({
    transform: (event, context, callback) => {
      calls++;
      return transform(event, context, callback);
    },
    lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    numberOfRetries,
    invocationTimeoutMs: 1000,
    retryDelayMs: 0,
    bufferBytes: 1024 * 1024,
    bufferIntervalMs: 60_000,
    event: { deliveryStreamArn: EVENT.deliveryStreamArn, sourceKinesisStreamArn: EVENT.sourceKinesisStreamArn, region: 'us-east-1' },
    now: () => 42,
    metrics: createDeliveryMetrics(),
    logger: pino({ level: 'silent' }),
    onOk: (r) => okIds.push(recordIdOf(r)),
    onDropped: (r) => dropped.push(recordIdOf(r)),
    onFailed: (r, failure) => failed.push({ id: recordIdOf(r), failure }),
  });
  for (const r of records(n)) processor.add(r);
  await processor.flush();
  return { failed, okIds, dropped, calls };
}

const echo =
  (result: string): DeliveryTransform =>
  async (event) => ({ records: event.records.map((r) => ({ recordId: r.recordId, result, data: r.data })) });

describe('processor retries and routing (Firehose transformation failure handling)', () => {
  it('routes Ok, Dropped and ProcessingFailed per record; ProcessingFailed is not retried', async () => {
    const out = await runBatch(async (event) => ({
      records: event.records.map((r, i) => ({ recordId: r.recordId, result: ['Ok', 'Dropped', 'ProcessingFailed'][i % 3], data: r.data })),
    }));
    expect(out.calls).toBe(1);
    expect(out.okIds).toHaveLength(1);
    expect(out.dropped).toHaveLength(1);
    expect(out.failed.map((f) => f.failure)).toEqual([{ errorCode: 'Lambda.ProcessingFailed', attemptsMade: 1, attemptEndingTimestamp: 42 }]);
  });

  it('a throwing transform is retried NumberOfRetries times, then every record fails with Lambda.FunctionError, attemptsMade 4', async () => {
    const out = await runBatch(() => {
      throw new Error('boom');
    });
    expect(out.calls).toBe(4);
    expect(out.failed).toHaveLength(3);
    for (const f of out.failed) expect(f.failure).toEqual({ errorCode: 'Lambda.FunctionError', attemptsMade: 4, attemptEndingTimestamp: 42 });
  });

  it('numberOfRetries 0 makes one attempt', async () => {
    const out = await runBatch(() => Promise.reject(new Error('x')), 2, 0);
    expect(out.calls).toBe(1);
    expect(out.failed[0]?.failure.attemptsMade).toBe(1);
  });

  it('an unparseable response is retried and ends as Lambda.JsonProcessingException', async () => {
    const out = await runBatch(async () => 'not an object');
    expect(out.calls).toBe(4);
    expect(out.failed.every((f) => f.failure.errorCode === 'Lambda.JsonProcessingException' && f.failure.attemptsMade === 4)).toBe(true);
  });

  it('a retry that succeeds delivers the batch', async () => {
    let n = 0;
    const out = await runBatch(async (event, context, callback) => {
      if (n++ < 2) throw new Error('transient');
      return echo('Ok')(event, context, callback);
    });
    expect(out.calls).toBe(3);
    expect(out.okIds).toHaveLength(3);
    expect(out.failed).toHaveLength(0);
  });

  it('a missing or duplicated id fails the whole batch at once, attemptsMade 1', async () => {
    const missing = await runBatch(async (event) => ({ records: event.records.slice(1).map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })) }));
    expect(missing.calls).toBe(1);
    expect(missing.okIds).toHaveLength(0);
    expect(missing.failed.map((f) => f.failure.errorCode)).toEqual(Array(3).fill('Lambda.MissingRecordId'));
    expect(missing.failed[0]?.failure.attemptsMade).toBe(1);
    const dup = await runBatch(async (event) => ({
      records: [...event.records, event.records[0]].map((r) => ({ recordId: r?.recordId, result: 'Ok', data: r?.data })),
    }));
    expect(dup.calls).toBe(1);
    expect(dup.failed.map((f) => f.failure.errorCode)).toEqual(Array(3).fill('Lambda.DuplicatedRecordId'));
  });

  it('sends the Firehose event shape: one base64 user record per entry, integer subsequenceNumber', async () => {
    let seen: DeliveryTransformEvent | undefined;
    await runBatch(async (event, context, callback) => {
      seen = event;
      return echo('Dropped')(event, context, callback);
    }, 2);
    expect(seen).toMatchObject({
      deliveryStreamArn: EVENT.deliveryStreamArn,
      sourceKinesisStreamArn: EVENT.sourceKinesisStreamArn,
      region: 'us-east-1',
    });
    expect(seen?.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen?.records[1]).toEqual({
      recordId: '4900000000100000000',
      approximateArrivalTimestamp: 1_795_600_000_001,
      data: Buffer.from('r1').toString('base64'),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: 'k',
        approximateArrivalTimestamp: 1_795_600_000_001,
        sequenceNumber: '49000000001',
        subsequenceNumber: 0,
      },
    });
  });
});
