import type {
  FirehoseRecordMetadata,
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
} from 'aws-lambda';

/**
 * `kinesisRecordMetadata` with `subsequenceNumber` as number or string: AWS's own Go type and Powertools say
 * integer, @types/aws-lambda says string (common/aws/README.md §5.2). The transform never reads it, so it takes both.
 */
export type KinesisRecordMetadata = Omit<FirehoseRecordMetadata, 'subsequenceNumber'> & { subsequenceNumber: number | string };

export type TransformEventRecord = Omit<FirehoseTransformationEventRecord, 'kinesisRecordMetadata'> & {
  kinesisRecordMetadata?: KinesisRecordMetadata | undefined;
};

/** A Firehose transformation event as AWS sends it; `FirehoseTransformationEvent` is assignable to it. */
export type TransformEvent = Omit<FirehoseTransformationEvent, 'records'> & { records: readonly TransformEventRecord[] };

export type TransformResult = FirehoseTransformationResult;

/** One invocation's transform: the same function backs the Lambda handler and the local delivery runner. */
export type Transform = (event: TransformEvent) => Promise<TransformResult>;
