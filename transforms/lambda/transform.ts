import type { FirehoseTransformationResultRecord } from 'aws-lambda';
import { compileCatalog } from './catalog/compile.js';
import type { Catalog } from './catalog/types.js';
import { createRecordDecoder } from './decode.js';
import { TransformError } from './errors.js';
import type { FailureReason } from './errors.js';
import { createLineEncoder } from './line-encoder.js';
import { MAX_RESPONSE_BYTES } from './limits.js';
import { createPartitionKeyCache } from './partition.js';
import { createRecordProcessor, DROPPED } from './record.js';
import { Rejection } from './rejection.js';
import { droppedEntryBytes, failedEntryBytes, jsonStringBytes, okEntryBytes, responseBytes } from './response-budget.js';
import type { Transform, TransformEvent, TransformEventRecord } from './types.js';

export interface TransformOptions {
  /** The device catalog (usually `transforms/catalog.json`). Validated once here; a bad one throws `TG_ERR_CATALOG`. */
  catalog: Catalog;
  /** Clock for `processedAt`, ms since the Unix epoch, read once per invocation. Default `Date.now`. */
  now?: () => number;
  /** Response size limit in bytes (JSON-encoded). Default {@link MAX_RESPONSE_BYTES}; tests lower it. */
  maxResponseBytes?: number;
  /** Called once per invocation with its counts; the Lambda host logs it. Default: nothing. */
  onInvocation?: (summary: InvocationSummary) => void;
}

export const DEFAULT_TRANSFORM_OPTIONS = {
  now: Date.now,
  maxResponseBytes: MAX_RESPONSE_BYTES,
} as const satisfies Partial<TransformOptions>;

export interface InvocationSummary {
  invocationId: string;
  records: number;
  ok: number;
  dropped: number;
  failed: number;
  /** `ProcessingFailed` counts by reason; `response_limit` counts Ok records demoted to fit the response. */
  failures: Partial<Record<FailureReason, number>>;
  /** Size of the JSON-encoded response in bytes. */
  responseBytes: number;
  /** The first few failures, to make a log line actionable without logging every record. */
  samples: Array<{ recordId: string; reason: FailureReason; message: string }>;
}

const MAX_SAMPLES = 5;
const MAX_SAMPLE_MESSAGE = 200;

/**
 * Creates the Firehose transform: records in, one result per record out, in order, each `recordId` exactly once
 * (a missing or duplicated id is a Lambda.MissingRecordId / DuplicatedRecordId error: Firehose Developer Guide,
 * "Required parameters for data transformation").
 */
export function createTransform(options: TransformOptions): Transform {
  const directory = compileCatalog(options.catalog);
  const now = options.now ?? DEFAULT_TRANSFORM_OPTIONS.now;
  const limit = options.maxResponseBytes ?? DEFAULT_TRANSFORM_OPTIONS.maxResponseBytes;
  const onInvocation = options.onInvocation;
  // Reused across invocations: scratch buffers and the partition-key cache are per instance, not per call.
  const decoder = createRecordDecoder();
  const encoder = createLineEncoder();
  const partitionKeys = createPartitionKeyCache();

  return async (event: TransformEvent) => {
    const records = checkEvent(event);
    const processor = createRecordProcessor({
      directory,
      decoder,
      encoder,
      partitionKeys,
      processedAt: new Date(now()).toISOString(),
    });
    const out: FirehoseTransformationResultRecord[] = new Array(records.length);
    const sizes: number[] = new Array(records.length);
    const summary = newSummary(event.invocationId, records.length);
    let entryBytes = 0;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i] as TransformEventRecord | null | undefined;
      const recordId = rec?.recordId;
      // Without an id there is nothing to answer with; Firehose reports an unanswered id as Lambda.MissingRecordId.
      if (typeof recordId !== 'string') throw new TransformError('TG_ERR_EVENT', `records[${i}].recordId is not a string`);
      const idBytes = jsonStringBytes(recordId);
      const data = typeof rec?.data === 'string' ? rec.data : '';
      const outcome = processor.process(data);
      if (outcome === DROPPED) {
        out[i] = { recordId, result: 'Dropped', data: '' };
        sizes[i] = droppedEntryBytes(idBytes);
        summary.dropped++;
      } else if (outcome instanceof Rejection) {
        out[i] = { recordId, result: 'ProcessingFailed', data };
        sizes[i] = failedEntryBytes(idBytes, data);
        countFailure(summary, recordId, outcome.reason, outcome.message);
      } else {
        out[i] = { recordId, result: 'Ok', data: outcome.data, metadata: outcome.keyed.metadata };
        sizes[i] = okEntryBytes(idBytes, outcome.data, outcome.keyed.jsonBytes);
        summary.ok++;
      }
      entryBytes += sizes[i] as number;
    }
    summary.responseBytes = fitResponse(records, out, sizes, entryBytes, limit, summary);
    onInvocation?.(summary);
    return { records: out };
  };
}

/**
 * Demotes Ok entries, last first, to ProcessingFailed with their original data until the response fits. The
 * reasoning (and why this, rather than failing the invocation) is in `response-budget.ts`. Returns the final size.
 */
function fitResponse(
  records: readonly TransformEventRecord[],
  out: FirehoseTransformationResultRecord[],
  sizes: number[],
  entryBytes: number,
  limit: number,
  summary: InvocationSummary,
): number {
  let total = responseBytes(out.length, entryBytes);
  for (let i = out.length - 1; i >= 0 && total > limit; i--) {
    const entry = out[i] as FirehoseTransformationResultRecord;
    if (entry.result !== 'Ok') continue;
    const rec = records[i] as TransformEventRecord;
    const data = typeof rec.data === 'string' ? rec.data : '';
    const failedSize = failedEntryBytes(jsonStringBytes(entry.recordId), data);
    const okSize = sizes[i] as number;
    if (failedSize >= okSize) continue;
    out[i] = { recordId: entry.recordId, result: 'ProcessingFailed', data };
    sizes[i] = failedSize;
    total -= okSize - failedSize;
    summary.ok--;
    countFailure(summary, entry.recordId, 'response_limit', `demoted: the response would exceed ${limit} bytes`);
  }
  if (total > limit) {
    throw new TransformError(
      'TG_ERR_RESPONSE_TOO_LARGE',
      `the response needs ${total} bytes even with every record returned unchanged as ProcessingFailed, over the ` +
        `${limit}-byte limit; the request must have been over the limit itself`,
      { detail: { responseBytes: total, limit, records: out.length } },
    );
  }
  return total;
}

function checkEvent(event: TransformEvent): readonly TransformEventRecord[] {
  const records = (event as Partial<TransformEvent> | null | undefined)?.records;
  if (!Array.isArray(records)) {
    throw new TransformError('TG_ERR_EVENT', 'not a Firehose transformation event: "records" is not an array');
  }
  return records;
}

function newSummary(invocationId: unknown, records: number): InvocationSummary {
  const id = typeof invocationId === 'string' ? invocationId : '';
  return { invocationId: id, records, ok: 0, dropped: 0, failed: 0, failures: {}, responseBytes: 0, samples: [] };
}

function countFailure(summary: InvocationSummary, recordId: string, reason: FailureReason, message: string): void {
  summary.failed++;
  summary.failures[reason] = (summary.failures[reason] ?? 0) + 1;
  if (summary.samples.length < MAX_SAMPLES) {
    summary.samples.push({ recordId, reason, message: message.slice(0, MAX_SAMPLE_MESSAGE) });
  }
}
