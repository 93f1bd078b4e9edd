/**
 * Error output records (Firehose Developer Guide, "Handle failure in data transformation"): one JSON object per
 * line, written under the error output prefix (`processing-failed/…`).
 */
import type { SourceRecord } from '../records/records.js';

/**
 * The Firehose error codes the runner produces, with the messages AWS logs for them where it documents one ("Monitor
 * Amazon Data Firehose Using CloudWatch Logs").
 */
export const ERROR_MESSAGES = {
  'Lambda.FunctionError': 'The Lambda function was successfully invoked but it returned an error result.',
  'Lambda.FunctionTimedOut': 'Firehose encountered timeout errors when calling AWS Lambda.',
  'Lambda.MissingRecordId':
    'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.',
  'Lambda.DuplicatedRecordId':
    'Multiple records were returned with the same record Id. Ensure that the Lambda function returns a unique ' +
    'record Id for each record.',
  'Lambda.JsonProcessingException':
    'The Lambda function response could not be processed: it must be a JSON object with a records array whose ' +
    'entries have recordId, result (Ok, Dropped or ProcessingFailed) and base64 data.',
  // Local choices (the AWS code and message for these cases are not documented; README.md "Decisions"):
  'Lambda.ProcessingFailed': 'The record was marked as ProcessingFailed by the Lambda function.',
  'Kinesis.DeaggregationFailed': 'The Kinesis record is a corrupt KPL aggregate (MD5 mismatch or malformed protobuf).',
  'DynamicPartitioning.MetadataExtractionFailed':
    'A partition key used by the S3 prefix is missing from the record metadata returned by the Lambda function.',
  'DynamicPartitioning.InvalidPrefix': 'The evaluated S3 prefix is longer than 512 characters.',
} as const;

export type DeliveryErrorOutputCode = keyof typeof ERROR_MESSAGES;

export interface Failure {
  errorCode: DeliveryErrorOutputCode;
  /** Lambda invocations made for the record's batch: 1 + retries after a final invocation failure. */
  attemptsMade: number;
  /** When the runner stopped trying, epoch ms. */
  attemptEndingTimestamp: number;
  /** Overrides the table's message (e.g. with the detail of a corrupt aggregate). */
  errorMessage?: string;
}

/**
 * One error output line. Field order and number types follow the error objects AWS writes (common/aws/README.md
 * §5.4). `arrivalTimestamp` is the Kinesis approximate arrival time (what the runner "received"). `lambdaArn` is
 * omitted when no transform is configured (only a corrupt aggregate can fail then).
 */
export function errorOutputLine(record: SourceRecord, failure: Failure, lambdaArn: string | undefined): string {
  return (
    JSON.stringify({
      attemptsMade: failure.attemptsMade,
      arrivalTimestamp: record.arrival,
      errorCode: failure.errorCode,
      errorMessage: failure.errorMessage ?? ERROR_MESSAGES[failure.errorCode],
      attemptEndingTimestamp: failure.attemptEndingTimestamp,
      rawData: record.data.toString('base64'),
      ...(lambdaArn === undefined ? {} : { lambdaArn }),
    }) + '\n'
  );
}
