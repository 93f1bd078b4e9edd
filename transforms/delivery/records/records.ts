/**
 * A user record inside the runner (one deaggregated reading), and the transform event built from a batch of them
 * (its fields: common/aws/README.md §5.2).
 */
import type { ProgressEntry } from '../checkpoint/progress.js';

export interface SourceRecord {
  /**
   * A record put to a Direct PUT delivery stream (PutRecord/PutRecordBatch) rather than read from a Kinesis
   * stream: its `sequenceNumber` is the record id PutRecordBatch answered with, it has no shard, and its event
   * entry carries no `kinesisRecordMetadata` (which Firehose sends only with a Kinesis source).
   */
  readonly directPut?: boolean;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Position inside its KPL aggregate; 0 for a record that was not aggregated (an integer, as AWS sends it). */
  readonly subsequenceNumber: number;
  /** The user record's partition key (for an aggregate: the key inside it, not the outer one). */
  readonly partitionKey: string;
  /** ApproximateArrivalTimestamp of the Kinesis record, epoch ms. */
  readonly arrival: number;
  /** The user record's bytes, as produced (before any transform). */
  readonly data: Buffer;
  /** The checkpoint slot this record completes once it is in S3 or dropped (Kinesis source only). */
  readonly entry?: ProgressEntry;
}

/**
 * Opaque, unique record id: the sequence number (unique within a stream: Kinesis API Reference, PutRecords) followed
 * by the subsequence number in 8 digits (an aggregate of at most 10 MiB cannot hold 10^8 records), digits only like
 * AWS's own ids.
 */
export function recordIdOf(r: Pick<SourceRecord, 'sequenceNumber' | 'subsequenceNumber' | 'directPut'>): string {
  if (r.directPut === true) return r.sequenceNumber;
  return r.sequenceNumber + String(r.subsequenceNumber).padStart(8, '0');
}

export interface KinesisRecordMetadata {
  shardId: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  sequenceNumber: string;
  subsequenceNumber: number;
}

export interface DeliveryTransformEventRecord {
  recordId: string;
  approximateArrivalTimestamp: number;
  /** Base64 of one user record (already deaggregated, as Firehose does before its Lambda). */
  data: string;
  /** Only with a Kinesis stream as the source. */
  kinesisRecordMetadata?: KinesisRecordMetadata;
}

/**
 * The event a KDS-sourced Firehose sends its Lambda (common/aws/README.md §5.2). Assignable to the transform's
 * `TransformEvent`. `@types/aws-lambda` types `subsequenceNumber` as a string; AWS sends a number, and so does the
 * runner.
 */
export interface DeliveryTransformEvent {
  invocationId: string;
  deliveryStreamArn: string;
  /** Absent for a Direct PUT delivery stream. */
  sourceKinesisStreamArn?: string;
  region: string;
  records: DeliveryTransformEventRecord[];
}

export function eventRecord(r: SourceRecord, recordId: string): DeliveryTransformEventRecord {
  if (r.directPut === true) return { recordId, approximateArrivalTimestamp: r.arrival, data: r.data.toString('base64') };
  return {
    recordId,
    approximateArrivalTimestamp: r.arrival,
    data: r.data.toString('base64'),
    kinesisRecordMetadata: {
      shardId: r.shardId,
      partitionKey: r.partitionKey,
      approximateArrivalTimestamp: r.arrival,
      sequenceNumber: r.sequenceNumber,
      subsequenceNumber: r.subsequenceNumber,
    },
  };
}

/** Fixed bytes of one event entry besides the variable strings (generous: 13-digit timestamps, 8-digit subsequence). */
const EVENT_ENTRY_FIXED_BYTES = Buffer.byteLength(
  '{"recordId":"","approximateArrivalTimestamp":1234567890123,"data":"","kinesisRecordMetadata":' +
    '{"shardId":"","partitionKey":,"approximateArrivalTimestamp":1234567890123,"sequenceNumber":"",' +
    '"subsequenceNumber":12345678}},',
);
/** The event around its records: ids, ARNs (≤ ~300 bytes each) and the brackets. */
export const EVENT_FRAME_BYTES = 2048;

/** Upper bound of the JSON bytes one record adds to the event, for the request budget. */
export function eventRecordBytes(r: SourceRecord): number {
  const base64 = 4 * Math.ceil(r.data.length / 3);
  // Partition keys are 1–256 Unicode characters (Kinesis API Reference, PutRecordsRequestEntry); JSON escaping
  // can grow each UTF-8 byte to 6.
  const key = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(r.partitionKey)
    ? r.partitionKey.length + 2
    : Buffer.byteLength(JSON.stringify(r.partitionKey));
  return EVENT_ENTRY_FIXED_BYTES + 2 * r.sequenceNumber.length + 8 + base64 + r.shardId.length + key;
}
