/**
 * Types for the parts of `aws-kinesis-agg` (an independent KPL aggregation implementation)
 * that the tests use as an oracle. The package's own `index.d.ts` imports `aws-sdk` v2 and
 * `aws-lambda` types, which this project does not install, and omits `RecordAggregator`.
 */
declare module 'aws-kinesis-agg' {
  /** Kinesis record in the SDK v2 / Lambda event shape (`data` is base64). */
  export interface KinesisRecordV2 {
    partitionKey: string;
    explicitPartitionKey?: string;
    sequenceNumber: string;
    data: string;
  }

  /** Kinesis record in the SDK v3 shape; the library lower-cases the keys itself. */
  export interface KinesisRecordV3 {
    PartitionKey: string;
    ExplicitPartitionKey?: string;
    SequenceNumber: string;
    ApproximateArrivalTimestamp?: Date;
    Data: Uint8Array;
  }

  /** A user record as emitted for a v2-shaped input record (`data` is base64). */
  export interface DeaggregatedRecordV2 {
    partitionKey: string;
    explicitPartitionKey?: string;
    sequenceNumber: string;
    subSequenceNumber?: number;
    data: string;
  }

  /** A user record as emitted for a v3-shaped input record (keys capitalised, `Data` is base64). */
  export interface DeaggregatedRecordV3 {
    PartitionKey: string;
    ExplicitPartitionKey?: string;
    SequenceNumber: string;
    SubSequenceNumber?: number;
    Data: string;
  }

  export function deaggregateSync(
    kinesisRecord: KinesisRecordV2,
    computeChecksums: boolean,
    afterRecordCallback: (err: Error | null | undefined, userRecords?: DeaggregatedRecordV2[]) => void,
  ): void;
  export function deaggregateSync(
    kinesisRecord: KinesisRecordV3,
    computeChecksums: boolean,
    afterRecordCallback: (err: Error | null | undefined, userRecords?: DeaggregatedRecordV3[]) => void,
  ): void;

  /** User record accepted by the aggregator. */
  export interface AggregatorInput {
    partitionKey: string;
    data: Buffer | string;
    explicitHashKey?: string;
  }

  /** One aggregated Kinesis record (note the library's mixed key casing). */
  export interface EncodedRecord {
    partitionKey: string;
    data: Buffer;
    ExplicitHashKey?: string;
  }

  export class RecordAggregator {
    constructor(onReadyCallback?: (err: Error | null, encoded?: EncodedRecord) => void);
    addUserRecord(record: AggregatorInput): void;
    /** Encodes the buffered records and clears them; `undefined` when empty. */
    build(): EncodedRecord | undefined;
    length(): number;
  }
}
