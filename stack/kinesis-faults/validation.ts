/**
 * Request validation shared by both modes: stream addressing and PutRecords/PutRecord entries.
 * Model-constraint violations become ValidationException, semantic ones InvalidArgumentException, wrong JSON types
 * SerializationException, mirroring what AWS (and kinesalite) answer.
 */
import { ACCOUNT_ID, KinesisApiError, REGION, ValidationErrors, invalidArgument } from './errors.js';
import { MAX_HASH_KEY } from './hashing.js';

export type JsonObject = Record<string, unknown>;

/** AWS default for the whole PutRecords request (data + partition keys of all entries). */
export const MAX_REQUEST_RECORD_BYTES = 10 * 1024 * 1024;
export const MAX_RECORDS_PER_REQUEST = 500;

const STREAM_NAME_RE = /^[a-zA-Z0-9_.-]{1,128}$/;
const STREAM_ARN_RE = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]*:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;
const EXPLICIT_HASH_KEY_RE = /^(0|[1-9]\d{0,38})$/;
const SEQUENCE_NUMBER_RE = /^(0|[1-9]\d{0,128})$/;

export function streamArn(streamName: string): string {
  return `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${streamName}`;
}

function serializationError(): KinesisApiError {
  return new KinesisApiError('SerializationException', 'Request body does not match the expected JSON types.');
}

/** Reads a string field; wrong JSON types are a SerializationException, as in AWS. */
export function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serializationError();
  return value;
}

export function optionalInteger(body: JsonObject, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serializationError();
  return value;
}

/** The stream name from `StreamName` and/or `StreamARN` (every action accepts either), or `undefined` if neither. */
export function optionalStreamName(body: JsonObject): string | undefined {
  const name = optionalString(body, 'StreamName');
  const arn = optionalString(body, 'StreamARN');
  const errors = new ValidationErrors();
  if (name !== undefined && !STREAM_NAME_RE.test(name)) {
    errors.add(name, 'streamName', 'satisfy regular expression pattern: [a-zA-Z0-9_.-]+ with length 1 to 128');
  }
  const arnName = arn === undefined ? undefined : STREAM_ARN_RE.exec(arn)?.[1];
  if (arn !== undefined && arnName === undefined) {
    errors.add(arn, 'streamARN', 'satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+');
  }
  errors.throwIfAny();
  if (name !== undefined && arnName !== undefined && name !== arnName) {
    throw invalidArgument(`StreamARN ${arn ?? ''} and StreamName ${name} do not refer to the same stream.`);
  }
  return arnName ?? name;
}

export function requireStreamName(body: JsonObject): string {
  const name = optionalStreamName(body);
  if (name === undefined) throw invalidArgument('Either StreamName or StreamARN should be provided.');
  return name;
}

/** A validated PutRecords/PutRecord entry. Data stays base64 so the stub can store and return it without re-encoding. */
export interface PutEntry {
  readonly partitionKey: string;
  /** Base64 data as received. */
  readonly data: string;
  readonly explicitHashKeyText: string | undefined;
  readonly explicitHashKey: bigint | undefined;
  /** Decoded data bytes + UTF-8 partition key bytes: what AWS counts against record, request and shard limits. */
  readonly recordBytes: number;
  /** The entry's JSON as received, forwarded verbatim in proxy mode. */
  readonly raw: JsonObject;
}

/** Decoded length of a base64 string, computed without decoding (the SDK sends canonical padded base64). */
function base64DecodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

/** Length in Unicode code points; AWS limits partition keys in characters, not UTF-16 units. */
function codePointLength(s: string, limit: number): number {
  // UTF-16 length is an upper bound of the code point count, so only long keys need the slow count.
  if (s.length <= limit) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function heapBufferText(length: number): string {
  return `java.nio.HeapByteBuffer[pos=0 lim=${length} cap=${length}]`;
}

/** Checks one entry's model constraints; returns the entry when they hold, with `errors` collecting violations. */
function parseEntry(raw: unknown, path: string, maxRecordBytes: number, errors: ValidationErrors): PutEntry | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw serializationError();
  const entry = raw as JsonObject;
  const partitionKey = optionalString(entry, 'PartitionKey');
  const data = optionalString(entry, 'Data');
  const ehkText = optionalString(entry, 'ExplicitHashKey');
  let ok = true;

  if (partitionKey === undefined) {
    errors.add(null, `${path}partitionKey`, 'not be null');
    ok = false;
  } else {
    const length = codePointLength(partitionKey, 256);
    if (length < 1 || length > 256) {
      const bound = length < 1 ? 'greater than or equal to 1' : 'less than or equal to 256';
      errors.add(partitionKey, `${path}partitionKey`, `have length ${bound}`);
      ok = false;
    }
  }
  let dataBytes = 0;
  if (data === undefined) {
    errors.add(null, `${path}data`, 'not be null');
    ok = false;
  } else {
    dataBytes = base64DecodedLength(data);
    if (dataBytes > maxRecordBytes) {
      errors.add(heapBufferText(dataBytes), `${path}data`, `have length less than or equal to ${maxRecordBytes}`);
      ok = false;
    }
  }
  if (ehkText !== undefined && !EXPLICIT_HASH_KEY_RE.test(ehkText)) {
    errors.add(ehkText, `${path}explicitHashKey`, 'satisfy regular expression pattern: 0|([1-9]\\d{0,38})');
    ok = false;
  }
  if (!ok || partitionKey === undefined || data === undefined) return undefined;

  let explicitHashKey: bigint | undefined;
  if (ehkText !== undefined) {
    explicitHashKey = BigInt(ehkText);
    if (explicitHashKey > MAX_HASH_KEY) {
      throw invalidArgument(
        `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${ehkText}`,
      );
    }
  }
  const recordBytes = dataBytes + Buffer.byteLength(partitionKey, 'utf8');
  if (recordBytes > maxRecordBytes) {
    // ⚠️ The exact AWS wording for "data fits but data + key does not" is unverified; the exception type follows AWS.
    throw invalidArgument(
      `Record size of ${recordBytes} bytes (data + partition key) exceeds the maximum record size of ${maxRecordBytes} bytes.`,
    );
  }
  return { partitionKey, data, explicitHashKeyText: ehkText, explicitHashKey, recordBytes, raw: entry };
}

/** Validates a PutRecords body and returns its entries in request order. */
export function parsePutRecords(body: JsonObject, maxRecordBytes: number): PutEntry[] {
  const records = body['Records'];
  const errors = new ValidationErrors();
  if (records === undefined || records === null) {
    errors.add(null, 'records', 'not be null');
    errors.throwIfAny();
  }
  if (!Array.isArray(records)) throw serializationError();
  if (records.length < 1) errors.add('[]', 'records', 'have length greater than or equal to 1');
  if (records.length > MAX_RECORDS_PER_REQUEST) {
    errors.add(`[${records.length} entries]`, 'records', `have length less than or equal to ${MAX_RECORDS_PER_REQUEST}`);
  }
  const entries: PutEntry[] = [];
  let totalBytes = 0;
  for (let i = 0; i < records.length; i++) {
    const entry = parseEntry(records[i], `records.${i + 1}.member.`, maxRecordBytes, errors);
    if (entry !== undefined) {
      entries.push(entry);
      totalBytes += entry.recordBytes;
    }
  }
  errors.throwIfAny();
  if (totalBytes > MAX_REQUEST_RECORD_BYTES) throw invalidArgument('Records size exceeds 10 MB limit');
  return entries;
}

/** Validates a PutRecord body and returns its single entry. */
export function parsePutRecord(body: JsonObject, maxRecordBytes: number): PutEntry {
  const errors = new ValidationErrors();
  const ordering = optionalString(body, 'SequenceNumberForOrdering');
  if (ordering !== undefined && !SEQUENCE_NUMBER_RE.test(ordering)) {
    errors.add(ordering, 'sequenceNumberForOrdering', 'satisfy regular expression pattern: 0|([1-9]\\d{0,128})');
  }
  const entry = parseEntry(body, '', maxRecordBytes, errors);
  errors.throwIfAny();
  if (entry === undefined) throw new KinesisApiError('InternalFailure', 'entry rejected without a reason', 500);
  return entry;
}
