/**
 * The Lambda processor stage (Firehose Developer Guide, "Transform source data in Amazon Data Firehose"): buffers
 * records per the processor hints, invokes the transform with a Firehose event, validates the response, retries,
 * and routes each record to S3 (Ok), the error output (ProcessingFailed, failed batches) or nowhere (Dropped).
 *
 * One buffer for all shards and one invocation at a time: batches reach the S3 buffers in read order, so records
 * of a key keep their order (a child shard's records are read only after its parent's, see shards.ts). Firehose
 * runs up to 5 invocations per shard; in-process the transform is CPU-bound, so concurrency would not help.
 *
 * Retries (Firehose Developer Guide, "Handle failure in data transformation"): a thrown error, a timeout, an
 * oversize response and an unparseable response (`Lambda.JsonProcessingException`) are retried `numberOfRetries`
 * times; after the last failure every record of the batch goes to the error output with `attemptsMade` = 1 +
 * retries. `Lambda.MissingRecordId` and `Lambda.DuplicatedRecordId` are not retried (AWS's captured objects show
 * attemptsMade 1 for them).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeliveryErrorOutputCode, Failure } from '../s3-writer/error-output.js';
import { invokeTransform, type DeliveryTransform } from './invoke.js';
import { MAX_INVOCATION_REQUEST_BYTES, MAX_INVOCATION_RESPONSE_BYTES } from '../limits.js';
import type { DeliveryMetrics } from '../metrics.js';
import { EVENT_FRAME_BYTES, eventRecord, eventRecordBytes, recordIdOf, type DeliveryTransformEvent, type SourceRecord } from '../records/records.js';
import { validateResponse, type RecordResult } from './response.js';
import { sleep } from '../../../common/retry.js';

export interface ProcessorOptions {
  transform: DeliveryTransform;
  lambdaArn: string;
  numberOfRetries: number;
  invocationTimeoutMs: number;
  retryDelayMs: number;
  /** Processor size hint in bytes of raw records. */
  bufferBytes: number;
  /** Processor interval hint in ms; 0 invokes once per GetRecords page. */
  bufferIntervalMs: number;
  /** Fixed fields of every event. */
  event: Pick<DeliveryTransformEvent, 'deliveryStreamArn' | 'sourceKinesisStreamArn' | 'region'>;
  now: () => number;
  metrics: DeliveryMetrics;
  logger: Logger;
  onOk: (record: SourceRecord, data: Buffer, partitionKeys: Readonly<Record<string, string>> | undefined, attemptsMade: number) => void;
  onDropped: (record: SourceRecord) => void;
  onFailed: (record: SourceRecord, failure: Failure) => void;
}

export interface Processor {
  add(record: SourceRecord): void;
  /** End of one GetRecords page: with a zero interval hint, the buffer is invoked now. */
  endOfPage(): void;
  /** Cuts the buffer when its interval has passed. */
  tick(): void;
  /** Cuts the buffer and resolves when every batch so far is processed. */
  flush(): Promise<void>;
  /** Stops retry sleeps early (close deadline); batches still finish with their current outcome. */
  abort(): void;
  stats(): { bufferedRecords: number; queuedBatches: number; invocations: number };
}

interface Batch {
  records: SourceRecord[];
}

const RETRIED: ReadonlySet<DeliveryErrorOutputCode> = new Set([
  'Lambda.FunctionError',
  'Lambda.FunctionTimedOut',
  'Lambda.JsonProcessingException',
]);

export function createProcessor(options: ProcessorOptions): Processor {
  const { metrics, logger } = options;
  const queue: Batch[] = [];
  const idleWaiters: (() => void)[] = [];
  const abort = new AbortController();
  let current: SourceRecord[] = [];
  let currentBytes = 0;
  let currentRequestBytes = EVENT_FRAME_BYTES;
  let openedAt = 0;
  let working = false;
  let invocations = 0;

  const cut = (): void => {
    if (current.length === 0) return;
    queue.push({ records: current });
    current = [];
    currentBytes = 0;
    currentRequestBytes = EVENT_FRAME_BYTES;
    if (!working) void work();
  };

  async function work(): Promise<void> {
    working = true;
    try {
      for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
        try {
          await run(batch);
        } catch (err) {
          // A bug downstream, not a transform failure: the batch stays uncheckpointed and is re-read after a restart.
          logger.error({ err, records: batch.records.length }, 'delivery of a transformed batch failed');
        }
      }
    } finally {
      working = false;
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  }

  async function run(batch: Batch): Promise<void> {
    const ids = batch.records.map(recordIdOf);
    const requested = new Set(ids);
    let attempts = 0;
    for (;;) {
      attempts++;
      invocations++;
      // A fresh event per attempt: the function may mutate what it is given.
      const event: DeliveryTransformEvent = {
        invocationId: randomUUID(),
        ...options.event,
        records: batch.records.map((r, i) => eventRecord(r, ids[i] as string)),
      };
      const started = performance.now();
      const outcome = await invokeTransform(
        {
          transform: options.transform,
          lambdaArn: options.lambdaArn,
          timeoutMs: options.invocationTimeoutMs,
          maxResponseBytes: MAX_INVOCATION_RESPONSE_BYTES,
        },
        event,
      );
      metrics.invocationDuration.observe((performance.now() - started) / 1000);
      metrics.invocationRecords.observe(batch.records.length);
      let code: DeliveryErrorOutputCode;
      let detail: string;
      if (outcome.kind === 'response') {
        const checked = validateResponse(outcome.response, requested);
        if (checked.ok) {
          metrics.invocations.inc({ outcome: 'ok' });
          if (checked.unknownIds > 0) {
            logger.warn({ invocationId: event.invocationId, unknownIds: checked.unknownIds }, 'transform returned unknown record ids (ignored)');
          }
          dispatch(batch, ids, checked.results, attempts);
          return;
        }
        code = checked.code;
        detail = checked.detail;
      } else {
        code = outcome.code;
        detail = outcome.detail;
      }
      metrics.invocations.inc({ outcome: code });
      const retry = RETRIED.has(code) && attempts <= options.numberOfRetries && !abort.signal.aborted;
      logger.warn(
        { invocationId: event.invocationId, errorCode: code, detail, attempt: attempts, records: batch.records.length, retry },
        'transform invocation failed',
      );
      if (retry) {
        await sleep(options.retryDelayMs, abort.signal);
        continue;
      }
      const failure: Failure = { errorCode: code, attemptsMade: attempts, attemptEndingTimestamp: options.now() };
      for (const r of batch.records) options.onFailed(r, failure);
      return;
    }
  }

  function dispatch(batch: Batch, ids: readonly string[], results: Map<string, RecordResult>, attempts: number): void {
    let failedAt: number | undefined;
    for (let i = 0; i < batch.records.length; i++) {
      const record = batch.records[i] as SourceRecord;
      const r = results.get(ids[i] as string) as RecordResult;
      if (r.result === 'Ok') {
        options.onOk(record, r.data as Buffer, r.partitionKeys, attempts);
      } else if (r.result === 'Dropped') {
        options.onDropped(record);
      } else {
        failedAt ??= options.now();
        // Not retried (as on AWS): the function answered, and it said this record cannot be processed.
        options.onFailed(record, { errorCode: 'Lambda.ProcessingFailed', attemptsMade: attempts, attemptEndingTimestamp: failedAt });
      }
    }
  }

  return {
    add(record) {
      const requestBytes = eventRecordBytes(record);
      // Keep each request under the Lambda request limit, whatever the size hint says.
      if (current.length > 0 && currentRequestBytes + requestBytes > MAX_INVOCATION_REQUEST_BYTES) cut();
      if (current.length === 0) openedAt = Date.now();
      current.push(record);
      currentBytes += record.data.length;
      currentRequestBytes += requestBytes;
      if (currentBytes >= options.bufferBytes) cut();
    },
    endOfPage() {
      if (options.bufferIntervalMs === 0) cut();
    },
    tick() {
      if (current.length > 0 && Date.now() - openedAt >= options.bufferIntervalMs) cut();
    },
    flush() {
      cut();
      if (!working && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    abort() {
      abort.abort();
    },
    stats: () => ({ bufferedRecords: current.length, queuedBatches: queue.length + (working ? 1 : 0), invocations }),
  };
}
