import type { GatewayError } from '../../../../common/errors.js';
import { classifyAwsError, CREDENTIAL_HINTS } from '../kinesis/errors.js';

/** Firehose error codes that will not go away by retrying: an operator must act. */
const FATAL_HINTS: Readonly<Record<string, string>> = {
  ...CREDENTIAL_HINTS,
  ResourceNotFoundException: 'the delivery stream does not exist in this account and region: create it or fix --delivery-stream/--region',
  AccessDeniedException: 'grant firehose:PutRecordBatch and firehose:DescribeDeliveryStream on the delivery stream to the gateway role',
  InvalidArgumentException: 'the request was rejected as invalid: check the delivery stream name and the record size limit (1,000 KiB)',
  ValidationException: 'the request was rejected as invalid: check the delivery stream name and the record size limit (1,000 KiB)',
  InvalidSourceException: 'the delivery stream reads a Kinesis stream, so it takes no direct puts: use --sink kinesis with that stream, or a Direct PUT delivery stream',
  InvalidKMSResourceException: 'the delivery stream cannot use its KMS key: check the key and the delivery stream role',
};

/** Classifies an error the SDK threw for a whole Firehose request (retriable: throttling, 5xx, network). */
export function classifyFirehoseError(caught: unknown, operation: string): GatewayError {
  return classifyAwsError(caught, operation, FATAL_HINTS);
}

/** Per-record error codes of PutRecordBatch (Firehose API Reference, PutRecordBatchResponseEntry): both are retriable. */
export function isRetriableFirehoseEntryError(code: string): boolean {
  return code === 'ServiceUnavailableException' || code === 'InternalFailure';
}
