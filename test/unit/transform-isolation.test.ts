import { describe, expect, it, vi } from 'vitest';
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import type { OutputRecord } from '../../transforms/lambda/output.js';
import { createTransform } from '../../transforms/lambda/transform.js';
import type { InvocationSummary } from '../../transforms/lambda/transform.js';

// A serializer that throws for one device stands in for any unexpected exception inside one record's processing.
vi.mock('../../transforms/lambda/output.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../transforms/lambda/output.js')>();
  return {
    ...actual,
    stringifyOutputRecord: (record: OutputRecord) => {
      if (record.deviceId === 'boom') throw new RangeError('serializer exploded');
      return actual.stringifyOutputRecord(record);
    },
  };
});

describe('an exception inside one record', () => {
  it('becomes ProcessingFailed for that record only', async () => {
    // Prepare
    const summaries: InvocationSummary[] = [];
    const transform = createTransform({ catalog: parseCatalog(catalog), onInvocation: (s) => summaries.push(s) });
    const data = ['dev-42', 'boom', 'dev-42'].map((deviceId) => Buffer.from(JSON.stringify({ deviceId, epoch: 1, seq: 1, receivedAt: 1, reading: {} })).toString('base64'));
    // Act
    const result = await transform({
      invocationId: 'inv',
      deliveryStreamArn: 'arn',
      region: 'eu-west-1',
      records: data.map((d, i) => ({ recordId: `r${i}`, approximateArrivalTimestamp: 1, data: d })),
    });
    // Assess
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'Ok']);
    expect(result.records[1]).toEqual({ recordId: 'r1', result: 'ProcessingFailed', data: data[1] });
    expect(summaries[0]?.samples).toEqual([{ recordId: 'r1', reason: 'internal_error', message: 'RangeError: serializer exploded' }]);
  });
});
