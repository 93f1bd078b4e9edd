/**
 * KPL aggregated-record decoder, written from the published format
 * (awslabs/amazon-kinesis-producer `aggregation-format.md` and `messages.proto`) rather than
 * from our encoder, because tests use it as the reference for what the gateway writes:
 *
 * ```proto
 * message AggregatedRecord { repeated string partition_key_table = 1;
 *                            repeated string explicit_hash_key_table = 2;
 *                            repeated Record records = 3; }
 * message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                  required bytes data = 3; repeated Tag tags = 4; }
 * ```
 *
 * It follows proto2 parsing rules: fields may come in any order, a repeated singular field
 * keeps its last value, unknown fields (and known field numbers with an unexpected wire type)
 * are skipped by wire type, and missing required fields are an error. Tags are skipped.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { TidegateError, type ErrorCodeOf } from '../errors.js';
import type { UserRecord } from './aggregate.js';
import { fieldKey, ProtobufDecodeError, ProtoReader, WireType } from './protobuf.js';

/** Why an aggregated record was rejected: the `KPL_*` codes of the table in `common/errors.ts`. */
export type KplDecodeErrorCode = ErrorCodeOf<'kpl'>;

/** Raised by {@link deaggregate} for a corrupt aggregated record. */
export class KplDecodeError extends TidegateError<KplDecodeErrorCode> {
  override name = 'KplDecodeError';
}

/** A user record recovered from a Kinesis record. */
export interface DeaggregatedRecord extends UserRecord {
  /**
   * Position of the user record inside its aggregate (0-based). Absent for a Kinesis record
   * that was not aggregated, which is how callers tell the two apart (as the KCL does).
   */
  subSequenceNumber?: number;
}

/** Options for {@link deaggregate}. */
export interface DeaggregateOptions {
  /** Check the MD5 trailer before parsing. Default `true`. */
  verifyChecksum?: boolean;
}

const MAGIC_0 = 0xf3;
const MAGIC_1 = 0x89;
const MAGIC_2 = 0x9a;
const MAGIC_3 = 0xc2;
const MAGIC_BYTES = 4;
const DIGEST_BYTES = 16;

const AGG_PARTITION_KEY_TABLE = fieldKey(1, WireType.LengthDelimited);
const AGG_EXPLICIT_HASH_KEY_TABLE = fieldKey(2, WireType.LengthDelimited);
const AGG_RECORDS = fieldKey(3, WireType.LengthDelimited);
const REC_PARTITION_KEY_INDEX = fieldKey(1, WireType.Varint);
const REC_EXPLICIT_HASH_KEY_INDEX = fieldKey(2, WireType.Varint);
const REC_DATA = fieldKey(3, WireType.LengthDelimited);

function hasMagic(data: Uint8Array): boolean {
  return (
    data.length >= MAGIC_BYTES &&
    data[0] === MAGIC_0 &&
    data[1] === MAGIC_1 &&
    data[2] === MAGIC_2 &&
    data[3] === MAGIC_3
  );
}

/** True when `data` starts with the KPL magic and is long enough to hold the MD5 trailer. */
export function isAggregated(data: Uint8Array): boolean {
  return data.length >= MAGIC_BYTES + DIGEST_BYTES && hasMagic(data);
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Returns the user records of an aggregated record, in order, each with its
 * `subSequenceNumber`. A record without the magic is returned as a single user record with
 * the given outer partition key and no `subSequenceNumber`.
 *
 * Returned `data` buffers are views into `data` (no copy): copy them if `data` will be
 * reused, or if a few small records must outlive a large input.
 *
 * @param data - the Kinesis record's data blob
 * @param outerPartitionKey - the Kinesis record's partition key, used for pass-through
 * @throws KplDecodeError `KPL_CHECKSUM_MISMATCH` when the MD5 trailer does not match (unless
 *   `verifyChecksum` is false); `KPL_MALFORMED` for a magic-prefixed record shorter than
 *   magic + trailer, malformed protobuf, a missing required field or an out-of-range key index
 */
export function deaggregate(
  data: Uint8Array,
  outerPartitionKey: string,
  options?: DeaggregateOptions,
): DeaggregatedRecord[] {
  const buf = asBuffer(data);
  if (!hasMagic(buf)) return [{ partitionKey: outerPartitionKey, data: buf }];
  // The magic cannot start UTF-8 text (C2 is not a continuation byte), so a magic-prefixed
  // blob too short for its trailer is a truncated aggregate, not a JSON reading.
  if (buf.length < MAGIC_BYTES + DIGEST_BYTES) {
    throw new KplDecodeError(
      'KPL_MALFORMED',
      `aggregated record of ${buf.length} bytes is shorter than magic + MD5 trailer`,
    );
  }
  const bodyEnd = buf.length - DIGEST_BYTES;
  // Integrity before parsing: a corrupted blob is reported as corrupted, not as whatever
  // structural error the damage happens to produce.
  if (options?.verifyChecksum !== false) {
    const digest = createHash('md5').update(buf.subarray(MAGIC_BYTES, bodyEnd)).digest();
    if (!digest.equals(buf.subarray(bodyEnd))) {
      throw new KplDecodeError('KPL_CHECKSUM_MISMATCH', 'aggregated record MD5 does not match its protobuf body');
    }
  }
  try {
    return decodeAggregatedRecord(buf, MAGIC_BYTES, bodyEnd);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) {
      throw new KplDecodeError('KPL_MALFORMED', `malformed AggregatedRecord: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function malformed(message: string): KplDecodeError {
  return new KplDecodeError('KPL_MALFORMED', message);
}

/** Parses the `AggregatedRecord` message in `buf[start, end)`. */
function decodeAggregatedRecord(buf: Buffer, start: number, end: number): DeaggregatedRecord[] {
  const reader = new ProtoReader(buf, start, end);
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  // Sub-message spans as [start0, end0, start1, end1, …]: the key tables may follow the
  // records on the wire, so records are resolved after the whole message has been read.
  const recordSpans: number[] = [];

  while (reader.pos < end) {
    const key = reader.readKey();
    switch (key) {
      case AGG_PARTITION_KEY_TABLE:
        partitionKeys.push(readString(reader, buf));
        break;
      case AGG_EXPLICIT_HASH_KEY_TABLE:
        hashKeys.push(readString(reader, buf));
        break;
      case AGG_RECORDS: {
        const recordEnd = reader.readDelimitedEnd();
        recordSpans.push(reader.pos, recordEnd);
        reader.pos = recordEnd;
        break;
      }
      default:
        reader.skipField(key);
    }
  }

  const records: DeaggregatedRecord[] = [];
  for (let i = 0; i < recordSpans.length; i += 2) {
    reader.pos = recordSpans[i]!;
    reader.end = recordSpans[i + 1]!;
    records.push(decodeRecord(reader, buf, partitionKeys, hashKeys, i / 2));
  }
  return records;
}

/** Reads a length-delimited `string` field's value (proto2 does not require valid UTF-8). */
function readString(reader: ProtoReader, buf: Buffer): string {
  const end = reader.readDelimitedEnd();
  const value = buf.toString('utf8', reader.pos, end);
  reader.pos = end;
  return value;
}

/** Parses one `Record` sub-message spanning the reader's current window. */
function decodeRecord(
  reader: ProtoReader,
  buf: Buffer,
  partitionKeys: readonly string[],
  hashKeys: readonly string[],
  subSequenceNumber: number,
): DeaggregatedRecord {
  let pkIndex = -1;
  let ehkIndex = -1;
  let dataStart = -1;
  let dataEnd = -1;
  while (reader.pos < reader.end) {
    const key = reader.readKey();
    switch (key) {
      case REC_PARTITION_KEY_INDEX:
        pkIndex = reader.readVarint();
        break;
      case REC_EXPLICIT_HASH_KEY_INDEX:
        ehkIndex = reader.readVarint();
        break;
      case REC_DATA:
        dataEnd = reader.readDelimitedEnd();
        dataStart = reader.pos;
        reader.pos = dataEnd;
        break;
      default:
        // Includes `tags` (field 4): neither the KPL nor the KCL gives them meaning.
        reader.skipField(key);
    }
  }

  if (pkIndex < 0) throw malformed(`record ${subSequenceNumber} lacks required partition_key_index`);
  if (dataStart < 0) throw malformed(`record ${subSequenceNumber} lacks required data`);
  const partitionKey = partitionKeys[pkIndex];
  if (partitionKey === undefined) {
    throw malformed(
      `record ${subSequenceNumber} partition_key_index ${pkIndex} is outside the ${partitionKeys.length}-entry table`,
    );
  }
  const data = buf.subarray(dataStart, dataEnd);
  if (ehkIndex < 0) return { partitionKey, data, subSequenceNumber };
  const explicitHashKey = hashKeys[ehkIndex];
  if (explicitHashKey === undefined) {
    throw malformed(
      `record ${subSequenceNumber} explicit_hash_key_index ${ehkIndex} is outside the ${hashKeys.length}-entry table`,
    );
  }
  return { partitionKey, data, explicitHashKey, subSequenceNumber };
}
