/**
 * From a GetRecords page to user records: KPL deaggregation (MD5 verified; Firehose deaggregates before the Lambda
 * and the destination, Kinesis Developer Guide, "Use the KPL with Amazon Data Firehose"), checkpoint tracking, and
 * the skip of user records already delivered before a restart inside an aggregate.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { deaggregate, KplDecodeError, type DeaggregatedRecord } from '../../../common/kpl/index.js';
import type { DeliveryMetrics } from '../metrics.js';
import type { SourceRecord } from './records.js';
import type { ShardState } from '../source/shards.js';

export interface IntakeOptions {
  state: (shardId: string) => ShardState | undefined;
  /** Fallback arrival time when a record has none. */
  now: () => number;
  /** A user record to deliver. */
  deliver: (record: SourceRecord) => void;
  /** A Kinesis record whose KPL aggregate is corrupt: it cannot be split, so it is one record for the error output. */
  corrupt: (record: SourceRecord, error: KplDecodeError) => void;
  /** After each page (the processor's zero-interval hint). */
  endOfPage: () => void;
  metrics: DeliveryMetrics;
}

export type Intake = (shardId: string, records: readonly _Record[]) => void;

export function createIntake(options: IntakeOptions): Intake {
  const { metrics } = options;
  return (shardId, records) => {
    const state = options.state(shardId);
    if (state === undefined) return;
    for (const rec of records) {
      metrics.kinesisRecordsRead.inc();
      const raw = rec.Data ?? new Uint8Array();
      const data = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      const sequenceNumber = rec.SequenceNumber as string;
      const base = {
        shardId,
        sequenceNumber,
        partitionKey: rec.PartitionKey as string,
        arrival: rec.ApproximateArrivalTimestamp?.getTime() ?? options.now(),
      };
      // After a restart inside a partly delivered aggregate, its delivered user records are skipped.
      const firstIndex = state.resumeSkip?.sequenceNumber === sequenceNumber ? state.resumeSkip.subSequenceNumber + 1 : 0;
      let users: DeaggregatedRecord[];
      try {
        users = deaggregate(data, base.partitionKey);
      } catch (err) {
        if (!(err instanceof KplDecodeError)) throw err;
        const entry = state.progress.track(sequenceNumber, 1, firstIndex);
        if (firstIndex === 0) options.corrupt({ ...base, subsequenceNumber: 0, data, entry }, err);
        continue;
      }
      const entry = state.progress.track(sequenceNumber, users.length, firstIndex);
      for (let i = firstIndex; i < users.length; i++) {
        const user = users[i] as DeaggregatedRecord;
        options.deliver({ ...base, partitionKey: user.partitionKey, subsequenceNumber: user.subSequenceNumber ?? 0, data: user.data, entry });
      }
    }
    options.endOfPage();
  };
}
