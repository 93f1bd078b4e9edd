import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { Sink, SinkEntry, SinkEntryResult, SinkLimits } from '../sink.js';
import { classifyFirehoseError, isRetriableFirehoseEntryError } from './errors.js';
import { FIREHOSE_MAX_RECORD_BYTES, PUT_RECORD_BATCH_MAX_BYTES, PUT_RECORD_BATCH_MAX_RECORDS } from '../../../../common/aws/firehose-limits.js';

export interface FirehoseSinkOptions {
  client: FirehoseClient;
  /** Direct PUT delivery stream name (an ARN's last part is taken as the name). */
  deliveryStream: string;
}

const NEWLINE = Buffer.from('\n');

/** The delivery stream name, whether given by name or ARN (`arn:aws:firehose:…:deliverystream/name`). */
export function deliveryStreamName(ref: string): string {
  const slash = ref.startsWith('arn:') ? ref.lastIndexOf('/') : -1;
  return slash >= 0 ? ref.slice(slash + 1) : ref;
}

/**
 * PutRecordBatch behind the {@link Sink} interface. Each record is the reading's JSON followed by a newline, so
 * the objects Firehose writes are JSON lines even without a transform; the limits leave room for that byte. A 200
 * with FailedPutCount > 0 reports per-record failures (ServiceUnavailableException: the stream's quota, so
 * throttled; InternalFailure), which the bridge retries.
 */
export function createFirehoseSink(options: FirehoseSinkOptions): Sink {
  const { client } = options;
  const name = deliveryStreamName(options.deliveryStream);
  const limits: SinkLimits = {
    maxEntriesPerRequest: PUT_RECORD_BATCH_MAX_RECORDS,
    maxRequestBytes: PUT_RECORD_BATCH_MAX_BYTES - PUT_RECORD_BATCH_MAX_RECORDS * NEWLINE.length,
    maxEntryBytes: FIREHOSE_MAX_RECORD_BYTES - NEWLINE.length,
    partitionKeyCounts: false,
  };
  return {
    name: 'firehose',
    limits,
    async put(entries: readonly SinkEntry[], signal: AbortSignal): Promise<SinkEntryResult[]> {
      const records = entries.map((e) => ({ Data: Buffer.concat([e.data, NEWLINE]) }));
      let output;
      try {
        output = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records }), { abortSignal: signal });
      } catch (err) {
        throw classifyFirehoseError(err, 'PutRecordBatch');
      }
      return (output.RequestResponses ?? []).map((r): SinkEntryResult => {
        if (r.ErrorCode !== undefined && r.ErrorCode !== null && r.ErrorCode !== '') {
          return {
            ok: false,
            errorCode: r.ErrorCode,
            errorMessage: r.ErrorMessage ?? r.ErrorCode,
            retriable: isRetriableFirehoseEntryError(r.ErrorCode),
            throttled: r.ErrorCode === 'ServiceUnavailableException',
          };
        }
        return { ok: true, ...(r.RecordId === undefined ? {} : { sequenceNumber: r.RecordId }) };
      });
    },
  };
}
