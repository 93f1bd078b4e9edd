/**
 * KPL aggregated-record encoder.
 *
 * Wire format (awslabs/amazon-kinesis-producer `aggregation-format.md`):
 * `F3 89 9A C2` ‖ protobuf `AggregatedRecord` ‖ MD5(protobuf bytes).
 *
 * The builder keeps a running, exact byte count so a producer can ask "does this reading
 * still fit?" in O(1) per reading, then encodes everything into one buffer in a single pass.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { delimitedFieldSize, fieldKey, varintSize, WireType, writeVarint } from './protobuf.js';

/** One application record to pack into (or unpacked from) an aggregated Kinesis record. */
export interface UserRecord {
  /** Kinesis partition key of the user record; stored in the aggregate's key table. */
  partitionKey: string;
  /** Payload bytes. The builder keeps a reference until `build()`, so do not mutate it before. */
  data: Buffer;
  /** Optional explicit hash key (decimal 128-bit integer); stored in its own key table. */
  explicitHashKey?: string;
}

/** Incrementally packs user records into one KPL aggregated record. */
export interface AggregateBuilder {
  /**
   * Exact size in bytes of the aggregated record (magic + protobuf + MD5) if `rec` were added
   * now (accounts for partition-key table dedup). Does not change the builder.
   */
  sizeWith(rec: UserRecord): number;
  /** Adds `rec`. No size limit is enforced: callers check {@link AggregateBuilder.sizeWith} first. */
  add(rec: UserRecord): void;
  /** Exact encoded size of what was added so far (0 records → 4 + 0 + 16). */
  readonly size: number;
  /** Number of user records added since the last build/reset. */
  readonly count: number;
  /** Encodes; the builder is then reset for reuse. Produces exactly `size` bytes. */
  build(): Buffer;
  /** Drops every added record and key. */
  reset(): void;
}

/**
 * The 4-byte prefix that marks a Kinesis record as KPL-aggregated.
 * Shared instance: treat it as read-only.
 */
export const KPL_MAGIC: Buffer = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);

/** Size of the MD5 trailer. */
export const KPL_CHECKSUM_BYTES = 16;

/** Bytes an aggregated record adds around its protobuf body: magic (4) + MD5 (16). */
export const KPL_OVERHEAD_BYTES: number = KPL_MAGIC.length + KPL_CHECKSUM_BYTES;

// Field keys of the messages in the published `.proto`. All fit in one byte, which the size
// arithmetic below relies on (the `1 +` terms).
const AGG_PARTITION_KEY_TABLE = fieldKey(1, WireType.LengthDelimited);
const AGG_EXPLICIT_HASH_KEY_TABLE = fieldKey(2, WireType.LengthDelimited);
const AGG_RECORDS = fieldKey(3, WireType.LengthDelimited);
const REC_PARTITION_KEY_INDEX = fieldKey(1, WireType.Varint);
const REC_EXPLICIT_HASH_KEY_INDEX = fieldKey(2, WireType.Varint);
const REC_DATA = fieldKey(3, WireType.LengthDelimited);

/** Longest ASCII key copied by a JS loop rather than `Buffer#write` (measured crossover). */
const INLINE_ASCII_MAX = 64;

/** Marks "no explicit hash key" in the per-record index array (keeps it an SMI array). */
const NO_INDEX = -1;

/** Deduplicating string table that remembers each entry's UTF-8 length. */
class KeyTable {
  readonly indexOf = new Map<string, number>();
  readonly keys: string[] = [];
  readonly byteLengths: number[] = [];
  // One-entry memo: producers call sizeWith(rec) then add(rec), so a new key would
  // otherwise be measured twice.
  private memoKey: string | undefined;
  private memoLength = 0;

  byteLengthOf(key: string): number {
    if (key !== this.memoKey) {
      this.memoLength = Buffer.byteLength(key, 'utf8');
      this.memoKey = key;
    }
    return this.memoLength;
  }

  push(key: string, byteLength: number): number {
    const index = this.keys.length;
    this.indexOf.set(key, index);
    this.keys.push(key);
    this.byteLengths.push(byteLength);
    return index;
  }

  clear(): void {
    this.indexOf.clear();
    this.keys.length = 0;
    this.byteLengths.length = 0;
  }

  /** Writes every entry as a repeated string field; returns the offset past the last one. */
  writeTo(out: Buffer, offset: number, tag: number): number {
    const keys = this.keys;
    const lengths = this.byteLengths;
    for (let i = 0; i < keys.length; i++) {
      const length = lengths[i]!;
      out[offset++] = tag;
      offset = writeVarint(out, offset, length);
      const key = keys[i]!;
      if (length === key.length && length <= INLINE_ASCII_MAX) {
        // UTF-8 length equal to UTF-16 length means pure ASCII: every other code point takes
        // more bytes than code units. A JS loop beats the native call for short device IDs.
        for (let j = 0; j < length; j++) out[offset + j] = key.charCodeAt(j);
      } else if (out.write(key, offset, length, 'utf8') !== length) {
        throw new Error('KPL encoder invariant violated: key UTF-8 length changed');
      }
      offset += length;
    }
    return offset;
  }
}

class Builder implements AggregateBuilder {
  private readonly partitionKeys = new KeyTable();
  private readonly hashKeys = new KeyTable();
  // Struct-of-arrays: the indexes stay unboxed small integers and nothing is allocated per
  // record besides the array slots.
  private readonly recPartitionKey: number[] = [];
  private readonly recHashKey: number[] = [];
  private readonly recBodySize: number[] = [];
  private readonly recData: Buffer[] = [];
  private protobufSize = 0;

  get size(): number {
    return KPL_OVERHEAD_BYTES + this.protobufSize;
  }

  get count(): number {
    return this.recData.length;
  }

  sizeWith(rec: UserRecord): number {
    return KPL_OVERHEAD_BYTES + this.protobufSize + this.measure(rec, false);
  }

  add(rec: UserRecord): void {
    this.protobufSize += this.measure(rec, true);
  }

  /**
   * Returns how many protobuf bytes `rec` adds. With `commit`, also records it; one routine
   * for both keeps `sizeWith` and `add` from ever disagreeing.
   */
  private measure(rec: UserRecord, commit: boolean): number {
    const { partitionKey, data, explicitHashKey } = rec;
    if (typeof partitionKey !== 'string') throw new TypeError('partitionKey must be a string');
    // `length` of a string would count UTF-16 units, silently corrupting the size arithmetic.
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Buffer');

    let growth = 0;
    let pkIndex = this.partitionKeys.indexOf.get(partitionKey);
    if (pkIndex === undefined) {
      const length = this.partitionKeys.byteLengthOf(partitionKey);
      growth += delimitedFieldSize(length);
      pkIndex = commit ? this.partitionKeys.push(partitionKey, length) : this.partitionKeys.keys.length;
    }
    let body = 1 + varintSize(pkIndex);

    let ehkIndex = NO_INDEX;
    if (explicitHashKey !== undefined) {
      if (typeof explicitHashKey !== 'string') throw new TypeError('explicitHashKey must be a string');
      let index = this.hashKeys.indexOf.get(explicitHashKey);
      if (index === undefined) {
        const length = this.hashKeys.byteLengthOf(explicitHashKey);
        growth += delimitedFieldSize(length);
        index = commit ? this.hashKeys.push(explicitHashKey, length) : this.hashKeys.keys.length;
      }
      body += 1 + varintSize(index);
      ehkIndex = index;
    }

    // `data` is a required field, so it is written even when empty.
    body += delimitedFieldSize(data.length);
    growth += delimitedFieldSize(body);

    if (commit) {
      this.recPartitionKey.push(pkIndex);
      this.recHashKey.push(ehkIndex);
      this.recBodySize.push(body);
      this.recData.push(data);
    }
    return growth;
  }

  build(): Buffer {
    const end = KPL_MAGIC.length + this.protobufSize;
    const out = Buffer.allocUnsafe(end + KPL_CHECKSUM_BYTES);
    out.set(KPL_MAGIC, 0);
    // Fields in field-number order, as protobuf serializers (and the KPL) emit them.
    let offset = this.partitionKeys.writeTo(out, KPL_MAGIC.length, AGG_PARTITION_KEY_TABLE);
    offset = this.hashKeys.writeTo(out, offset, AGG_EXPLICIT_HASH_KEY_TABLE);

    const pkIndexes = this.recPartitionKey;
    const ehkIndexes = this.recHashKey;
    const bodySizes = this.recBodySize;
    const datas = this.recData;
    for (let i = 0; i < datas.length; i++) {
      const data = datas[i]!;
      out[offset++] = AGG_RECORDS;
      offset = writeVarint(out, offset, bodySizes[i]!);
      out[offset++] = REC_PARTITION_KEY_INDEX;
      offset = writeVarint(out, offset, pkIndexes[i]!);
      const ehkIndex = ehkIndexes[i]!;
      if (ehkIndex !== NO_INDEX) {
        out[offset++] = REC_EXPLICIT_HASH_KEY_INDEX;
        offset = writeVarint(out, offset, ehkIndex);
      }
      out[offset++] = REC_DATA;
      offset = writeVarint(out, offset, data.length);
      out.set(data, offset);
      offset += data.length;
    }

    // allocUnsafe memory is uninitialised: a size miscount must fail loudly, never leak bytes.
    if (offset !== end) {
      throw new Error(`KPL encoder invariant violated: wrote ${offset - 4} protobuf bytes, sized ${end - 4}`);
    }
    out.set(createHash('md5').update(out.subarray(KPL_MAGIC.length, end)).digest(), end);
    this.reset();
    return out;
  }

  reset(): void {
    this.partitionKeys.clear();
    this.hashKeys.clear();
    this.recPartitionKey.length = 0;
    this.recHashKey.length = 0;
    this.recBodySize.length = 0;
    // Also releases the payload buffers for garbage collection.
    this.recData.length = 0;
    this.protobufSize = 0;
  }
}

/** Creates an empty, reusable {@link AggregateBuilder}. */
export function createAggregateBuilder(): AggregateBuilder {
  return new Builder();
}

/**
 * Encodes `records` as one KPL aggregated record, in order, deduplicating keys.
 * The caller is responsible for keeping the result within the Kinesis record size limit.
 */
export function encodeAggregate(records: readonly UserRecord[]): Buffer {
  const builder = new Builder();
  for (const rec of records) builder.add(rec);
  return builder.build();
}
