/**
 * The Firehose API's wire format (AWS JSON 1.1: `POST /`, `X-Amz-Target: Firehose_20150804.<Operation>`), for the
 * operations the local Direct PUT delivery stream serves. Request validation follows the API's documented
 * constraints (Firehose API Reference, PutRecordBatch): PutRecordBatch takes 1–500 records and at most 4 MiB of
 * data, a record is at most 1,000 KiB.
 */
import { FIREHOSE_MAX_RECORD_BYTES, PUT_RECORD_BATCH_MAX_BYTES, PUT_RECORD_BATCH_MAX_RECORDS } from '../../../common/aws/firehose-limits.js';

export { FIREHOSE_MAX_RECORD_BYTES, PUT_RECORD_BATCH_MAX_BYTES, PUT_RECORD_BATCH_MAX_RECORDS };

export const FIREHOSE_TARGET_PREFIX = 'Firehose_20150804.';
export const FIREHOSE_CONTENT_TYPE = 'application/x-amz-json-1.1';

export type FirehoseOperation = 'PutRecord' | 'PutRecordBatch' | 'DescribeDeliveryStream' | 'ListDeliveryStreams';
export const FIREHOSE_OPERATIONS: readonly FirehoseOperation[] = ['PutRecord', 'PutRecordBatch', 'DescribeDeliveryStream', 'ListDeliveryStreams'];

/** An error the API answers with: `{"__type": type, "message": …}` and the HTTP status. */
export class FirehoseApiError extends Error {
  constructor(
    readonly type:
      | 'ResourceNotFoundException'
      | 'InvalidArgumentException'
      | 'ValidationException'
      | 'ServiceUnavailableException'
      | 'SerializationException'
      | 'UnknownOperationException'
      | 'InternalFailure',
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'FirehoseApiError';
  }
}

/** One accepted record's id, or why it was not accepted (PutRecordBatch `RequestResponses[]`). */
export type PutResult = { recordId: string } | { errorCode: 'ServiceUnavailableException' | 'InternalFailure'; errorMessage: string };

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FirehoseApiError('SerializationException', 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The delivery stream a request names (`DeliveryStreamName`, 1–64 characters of [a-zA-Z0-9_.-]). */
export function deliveryStreamNameOf(body: unknown): string {
  const name = object(body)['DeliveryStreamName'];
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_.-]{1,64}$/.test(name)) {
    throw new FirehoseApiError(
      'ValidationException',
      "1 validation error detected: Value at 'deliveryStreamName' failed to satisfy constraint: Member must be 1-64 characters of [a-zA-Z0-9_.-]",
    );
  }
  return name;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function recordData(record: unknown, where: string): Buffer {
  const data = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)['Data'] : undefined;
  if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) {
    throw new FirehoseApiError('SerializationException', `${where}.Data must be a base64 string`);
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > FIREHOSE_MAX_RECORD_BYTES) {
    throw new FirehoseApiError(
      'ValidationException',
      `1 validation error detected: Value at '${where}.data' failed to satisfy constraint: Member must have length less than or equal to ${FIREHOSE_MAX_RECORD_BYTES}`,
    );
  }
  return bytes;
}

/** PutRecord's one record. */
export function parsePutRecord(body: unknown): { deliveryStreamName: string; record: Buffer } {
  const deliveryStreamName = deliveryStreamNameOf(body);
  return { deliveryStreamName, record: recordData(object(body)['Record'], 'record') };
}

/** PutRecordBatch's records, validated against the call's limits. */
export function parsePutRecordBatch(body: unknown): { deliveryStreamName: string; records: Buffer[] } {
  const deliveryStreamName = deliveryStreamNameOf(body);
  const list = object(body)['Records'];
  if (!Array.isArray(list)) throw new FirehoseApiError('SerializationException', 'Records must be an array');
  if (list.length < 1 || list.length > PUT_RECORD_BATCH_MAX_RECORDS) {
    throw new FirehoseApiError(
      'ValidationException',
      `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${PUT_RECORD_BATCH_MAX_RECORDS} (got ${list.length})`,
    );
  }
  const records = list.map((r, i) => recordData(r, `records.${i + 1}.member`));
  const total = records.reduce((sum, r) => sum + r.length, 0);
  if (total > PUT_RECORD_BATCH_MAX_BYTES) {
    throw new FirehoseApiError('InvalidArgumentException', `the records total ${total} bytes; PutRecordBatch takes at most ${PUT_RECORD_BATCH_MAX_BYTES}`);
  }
  return { deliveryStreamName, records };
}

/** PutRecordBatch's answer: `FailedPutCount` and one response per record, in request order. */
export function putRecordBatchOutput(results: readonly PutResult[]): Record<string, unknown> {
  let failed = 0;
  const RequestResponses = results.map((r) => {
    if ('recordId' in r) return { RecordId: r.recordId };
    failed++;
    return { ErrorCode: r.errorCode, ErrorMessage: r.errorMessage };
  });
  return { FailedPutCount: failed, Encrypted: false, RequestResponses };
}
