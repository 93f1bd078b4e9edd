import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { Sink, SinkEntry, SinkEntryResult, SinkLimits } from '../sink.js';
import { classifyKinesisError, isRetriableEntryError } from './errors.js';
import { streamTarget } from '../../../../common/aws/stream-ref.js';
import { DEFAULT_MAX_RECORD_BYTES, PUT_RECORDS_DEFAULT_REQUEST_BYTES, PUT_RECORDS_MAX_RECORDS } from '../../../../common/aws/kinesis-limits.js';

export interface KinesisSinkOptions {
  client: KinesisClient;
  /** Stream name, or its ARN (`arn:aws:kinesis:region:account:stream/name`). */
  stream: string;
  /** Request size cap in bytes. Default 5 MiB. */
  maxRequestBytes?: number;
  /** The stream's maximum record size (data + partition key). Default 1 MiB. */
  maxRecordBytes?: number;
}

/** PutRecords behind the {@link Sink} interface. A 200 with FailedRecordCount > 0 reports per-entry failures. */
export function createKinesisSink(options: KinesisSinkOptions): Sink {
  const { client } = options;
  const target = streamTarget(options.stream);
  const limits: SinkLimits = {
    maxEntriesPerRequest: PUT_RECORDS_MAX_RECORDS,
    maxRequestBytes: options.maxRequestBytes ?? PUT_RECORDS_DEFAULT_REQUEST_BYTES,
    maxEntryBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    partitionKeyCounts: true,
  };
  return {
    name: 'kinesis',
    limits,
    async put(entries: readonly SinkEntry[], signal: AbortSignal): Promise<SinkEntryResult[]> {
      const records: PutRecordsRequestEntry[] = entries.map((e) =>
        e.explicitHashKey === undefined
          ? { PartitionKey: e.partitionKey, Data: e.data }
          : { PartitionKey: e.partitionKey, Data: e.data, ExplicitHashKey: e.explicitHashKey },
      );
      let output;
      try {
        output = await client.send(new PutRecordsCommand({ ...target, Records: records }), { abortSignal: signal });
      } catch (err) {
        throw classifyKinesisError(err, 'PutRecords');
      }
      return (output.Records ?? []).map((r): SinkEntryResult => {
        if (r.ErrorCode !== undefined && r.ErrorCode !== null && r.ErrorCode !== '') {
          return {
            ok: false,
            errorCode: r.ErrorCode,
            errorMessage: r.ErrorMessage ?? r.ErrorCode,
            retriable: isRetriableEntryError(r.ErrorCode),
            throttled: r.ErrorCode === 'ProvisionedThroughputExceededException',
          };
        }
        return {
          ok: true,
          ...(r.ShardId === undefined ? {} : { shardId: r.ShardId }),
          ...(r.SequenceNumber === undefined ? {} : { sequenceNumber: r.SequenceNumber }),
        };
      });
    },
  };
}
