import { describe, expect, it } from 'vitest';
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import { MAX_RESPONSE_BYTES } from '../../transforms/lambda/limits.js';
import { jsonStringBytes } from '../../transforms/lambda/response-budget.js';
import { createTransform } from '../../transforms/lambda/transform.js';
import type { InvocationSummary } from '../../transforms/lambda/transform.js';
import type { TransformEvent, TransformEventRecord } from '../../transforms/lambda/types.js';
import { statusModelProblems } from '../fixtures/firehose/index.js';

const CATALOG = parseCatalog(catalog);
const RECEIVED_AT = Date.UTC(2026, 10, 26, 10, 0, 0);

/** `count` ~200-byte gateway records as a KDS-sourced Firehose event (with kinesisRecordMetadata, as AWS sends). */
function bigEvent(count: number, recordId = (i: number) => `4954698668313554428650745793632162567570019247115678515400${String(i).padStart(6, '0')}`): TransformEvent {
  const records: TransformEventRecord[] = [];
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify({
      deviceId: `sim-env-sensor-${i % 100}`,
      epoch: 1795655957515,
      seq: i + 1,
      receivedAt: RECEIVED_AT + i,
      reading: { temperature: 20 + (i % 10), humidity: 50, battery: 3.7, ts: RECEIVED_AT + i - 900, fw: 'fw-2.4.1-abcdefghijklmnop' },
    });
    records.push({
      recordId: recordId(i),
      approximateArrivalTimestamp: RECEIVED_AT + i,
      data: Buffer.from(text).toString('base64'),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: `sim-env-sensor-${i % 100}`,
        approximateArrivalTimestamp: RECEIVED_AT + i,
        sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
        subsequenceNumber: i,
      },
    });
  }
  return { invocationId: 'inv', deliveryStreamArn: 'arn:aws:firehose:eu-west-1:1:deliverystream/t', region: 'eu-west-1', records };
}

const bytesOf = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

function setup(maxResponseBytes?: number) {
  const summaries: InvocationSummary[] = [];
  const transform = createTransform({ catalog: CATALOG, now: () => RECEIVED_AT, maxResponseBytes, onInvocation: (s) => summaries.push(s) });
  return { transform, summaries };
}

describe('response size accounting', () => {
  it('counts exactly the bytes of the JSON-encoded response, escapes and multi-byte characters included', async () => {
    // Prepare: ids that need escaping or are multi-byte, and every result kind.
    const event = bigEvent(4, (i) => ['plain-0', 'quote"and\\slash', 'tab\tnewline\n', 'ünïcødé-€-𝄞'][i] as string);
    (event.records[1] as TransformEventRecord).data = 'SGVsbG8gV29ybGQ=';
    (event.records[2] as TransformEventRecord).data = Buffer.from(JSON.stringify({ deviceId: 'sim-lab-test-rig-1', epoch: 1, seq: 1, receivedAt: 1, reading: {} })).toString('base64');
    (event.records[3] as TransformEventRecord).data = 'not base64 — ünïcødé "quoted"';
    const { transform, summaries } = setup();
    // Act
    const result = await transform(event);
    // Assess
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'Dropped', 'ProcessingFailed']);
    expect(summaries[0]?.responseBytes).toBe(bytesOf(result));
    expect(jsonStringBytes('ü"')).toBe(bytesOf('ü"'));
  });

  it('stays exact over a large batch', async () => {
    const { transform, summaries } = setup();
    const result = await transform(bigEvent(3000));
    expect(summaries[0]?.responseBytes).toBe(bytesOf(result));
  });
});

describe('the 6 MB response limit', () => {
  it('leaves a response under the limit untouched', async () => {
    const event = bigEvent(500);
    const unlimited = await setup().transform(event);
    const { transform, summaries } = setup(bytesOf(unlimited));
    const result = await transform(event);
    expect(result).toEqual(unlimited);
    expect(summaries[0]?.failed).toBe(0);
  });

  it('demotes Ok records from the end to ProcessingFailed with their original data until the response fits', async () => {
    // Prepare: a limit 20 kB below what the full response needs.
    const event = bigEvent(500);
    const unlimited = await setup().transform(event);
    const limit = bytesOf(unlimited) - 20_000;
    const { transform, summaries } = setup(limit);
    // Act
    const result = await transform(event);
    // Assess
    expect(statusModelProblems(event, result)).toEqual([]);
    expect(bytesOf(result)).toBeLessThanOrEqual(limit);
    expect(summaries[0]?.responseBytes).toBe(bytesOf(result));
    const firstDemoted = result.records.findIndex((r) => r.result === 'ProcessingFailed');
    expect(firstDemoted).toBeGreaterThan(400);
    expect(result.records.slice(0, firstDemoted)).toEqual(unlimited.records.slice(0, firstDemoted));
    expect(result.records.slice(firstDemoted).every((r, i) => r.result === 'ProcessingFailed' && r.data === event.records[firstDemoted + i]?.data)).toBe(true);
    expect(summaries[0]?.failures).toEqual({ response_limit: 500 - firstDemoted });
    // Demoting one record fewer would not have fitted: no more was demoted than needed.
    const oneFewer = [...result.records];
    oneFewer[firstDemoted] = unlimited.records[firstDemoted]!;
    expect(bytesOf({ records: oneFewer })).toBeGreaterThan(limit);
  });

  it('keeps a realistic near-6 MB request within 6,000,000 bytes', async () => {
    // Prepare: ~5.9 MB request of ~200-byte readings; enrichment makes the response ~1.3× the request.
    const event = bigEvent(9200);
    expect(bytesOf(event)).toBeGreaterThan(5_800_000);
    expect(bytesOf(event)).toBeLessThan(MAX_RESPONSE_BYTES);
    const { transform, summaries } = setup();
    // Act
    const result = await transform(event);
    // Assess
    expect(bytesOf(result)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(summaries[0]?.failures.response_limit).toBeGreaterThan(0);
    expect(summaries[0]?.ok).toBeGreaterThan(5000);
    expect(statusModelProblems(event, result)).toEqual([]);
  });

  it('fails the invocation only when even an all-ProcessingFailed response cannot fit', async () => {
    const { transform } = setup(10_000);
    await expect(transform(bigEvent(200))).rejects.toMatchObject({ code: 'TG_ERR_RESPONSE_TOO_LARGE', retriable: false });
  });
});
