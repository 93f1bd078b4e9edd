/**
 * Minimal protocol-buffers wire-format helpers for the KPL aggregation codec.
 *
 * Only what the KPL `AggregatedRecord` message needs: varints (uint64 values that fit a JS
 * number), length-delimited fields, and skipping of fields we do not know.
 *
 * Why not protobufjs (the ecosystem's codec; installed here through aws-kinesis-agg, which the
 * tests use as the reference implementation): the aggregator must know the exact encoded size
 * of "the record so far plus this reading" before adding it (`AggregateBuilder.sizeWith`), so it
 * fills a Kinesis record to its byte limit without overshooting. That needs per-field size
 * arithmetic (`varintSize`, `delimitedFieldSize`), which protobufjs does not expose: it sizes a
 * message only by encoding it. Measured (Node 20, 129 readings of 200 bytes per record, the
 * default's fill): re-encoding with protobufjs to size each added reading took ~23 µs per
 * reading, growing with the record; sizeWith + add + one encode (MD5 included) took ~0.5 µs.
 * Decoding is hand-written too, so one module owns the wire format and its limits (varint
 * length, group depth) for hostile input.
 *
 * @packageDocumentation
 */

/** Wire types defined by the protobuf encoding. */
export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;

/** A wire-type value from {@link WireType}. */
export type WireType = (typeof WireType)[keyof typeof WireType];

/** A uint64 varint never needs more than 10 bytes; a longer one is corrupt, not just large. */
const MAX_VARINT_BYTES = 10;

/** Nested unknown groups are rare; the cap keeps hostile input from exhausting the stack. */
const MAX_GROUP_DEPTH = 64;

/**
 * Builds a field key (tag) from a field number and wire type.
 *
 * @param fieldNumber - protobuf field number (1 … 2^29 − 1)
 * @param wireType - one of {@link WireType}
 */
export function fieldKey(fieldNumber: number, wireType: WireType): number {
  // Multiplication rather than `<<` so field numbers ≥ 2^28 do not turn negative.
  return fieldNumber * 8 + wireType;
}

/**
 * Number of bytes the varint encoding of `value` occupies.
 *
 * @param value - non-negative safe integer
 * @throws RangeError if `value` is negative, fractional or above `Number.MAX_SAFE_INTEGER`
 */
export function varintSize(value: number): number {
  // `>>> 0` round-trips only for integers in [0, 2^32): one test covers validation of the
  // common case; the branches are ordered by likelihood (indexes and short lengths dominate).
  if (value >>> 0 === value) {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    if (value < 0x10000000) return 4;
    return 5;
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`varint value must be a non-negative safe integer, got ${value}`);
  }
  if (value < 2 ** 35) return 5;
  if (value < 2 ** 42) return 6;
  if (value < 2 ** 49) return 7;
  return 8; // MAX_SAFE_INTEGER < 2^56
}

/**
 * Writes `value` as a varint at `offset`.
 *
 * The caller must have sized `buf` with {@link varintSize}, which also validates `value`;
 * re-checking here would be paid once per field on the encode hot path.
 *
 * @returns the offset just past the written bytes
 */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  // Bitwise operators truncate to 32 bits, so the high part goes through arithmetic.
  while (value > 0x7fffffff) {
    buf[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  while (value > 0x7f) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[offset++] = value;
  return offset;
}

/**
 * Total size of a length-delimited field (key + length prefix + payload).
 *
 * @param payloadLength - payload size in bytes
 */
export function delimitedFieldSize(payloadLength: number): number {
  // Every field key used by the KPL format (field numbers 1–4) fits in one byte.
  return 1 + varintSize(payloadLength) + payloadLength;
}

/**
 * Raised by {@link ProtoReader} on truncated or structurally invalid input. It has no code of its own on purpose:
 * it never leaves the decoder, whose `deaggregate` rethrows it as a `KPL_MALFORMED` `KplDecodeError` (this one
 * as its `cause`).
 */
export class ProtobufDecodeError extends Error {
  /**
   * @param message - what was wrong
   * @param offset - byte offset in the reader's buffer where decoding failed
   */
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtobufDecodeError';
  }
}

/**
 * Bounds-checked cursor over a slice of a byte array.
 *
 * `pos` and `end` are public and mutable so one reader can walk nested messages without an
 * allocation per message: save `end`, narrow it to the sub-message, restore it afterwards.
 */
export class ProtoReader {
  /**
   * @param buf - bytes to read
   * @param pos - first byte to read
   * @param end - one past the last byte this reader may consume
   */
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {
    if (pos < 0 || end > buf.length || pos > end) {
      throw new RangeError(`invalid reader window [${pos}, ${end}) over ${buf.length} bytes`);
    }
  }

  /**
   * Reads an unsigned varint of up to 64 bits.
   *
   * Values above 2^53 come back rounded; callers only use varints as indexes and lengths, and
   * a rounded huge value is still out of range for both, so it is rejected there.
   */
  readVarint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw new ProtobufDecodeError('truncated varint', pos);
    let byte = buf[pos++]!;
    if (byte < 0x80) {
      // One-byte fast path: every field key and most indexes.
      this.pos = pos;
      return byte;
    }
    let result = byte & 0x7f;
    let multiplier = 0x80;
    for (let i = 1; i < MAX_VARINT_BYTES; i++) {
      if (pos >= end) throw new ProtobufDecodeError('truncated varint', pos);
      byte = buf[pos++]!;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        // The 10th byte can only hold bit 63; anything more means the value overflows uint64.
        if (i === MAX_VARINT_BYTES - 1 && byte > 1) break;
        this.pos = pos;
        return result;
      }
      multiplier *= 0x80;
    }
    throw new ProtobufDecodeError('varint exceeds 64 bits', this.pos);
  }

  /**
   * Reads a field key. Returns the raw key (`fieldNumber * 8 + wireType`) so callers can
   * `switch` on exact keys: a known field number with an unexpected wire type then falls to
   * the default branch and is skipped as unknown, which is what protobuf runtimes do.
   */
  readKey(): number {
    const start = this.pos;
    const key = this.readVarint();
    if (key < 8 || key > 0xffffffff) {
      throw new ProtobufDecodeError(`invalid field key ${key}`, start);
    }
    return key;
  }

  /**
   * Reads a length prefix and checks that the payload fits in the window.
   *
   * @returns the payload's end offset; `pos` is left at the payload's first byte
   */
  readDelimitedEnd(): number {
    const start = this.pos;
    const length = this.readVarint();
    if (length > this.end - this.pos) {
      throw new ProtobufDecodeError(`length ${length} exceeds the ${this.end - this.pos} bytes left`, start);
    }
    return this.pos + length;
  }

  /**
   * Skips the value of a field whose key was just read.
   *
   * @param key - the field key returned by {@link readKey}
   */
  skipField(key: number, depth = 0): void {
    const wireType = key % 8;
    switch (wireType) {
      case WireType.Varint:
        this.readVarint();
        return;
      case WireType.Fixed64:
        this.skipBytes(8);
        return;
      case WireType.LengthDelimited:
        this.pos = this.readDelimitedEnd();
        return;
      case WireType.Fixed32:
        this.skipBytes(4);
        return;
      case WireType.StartGroup:
        this.skipGroup(Math.floor(key / 8), depth + 1);
        return;
      default:
        // An end-group without a start, or wire types 6/7, which protobuf never defined.
        throw new ProtobufDecodeError(`unexpected wire type ${wireType}`, this.pos);
    }
  }

  private skipBytes(count: number): void {
    if (count > this.end - this.pos) {
      throw new ProtobufDecodeError(`truncated ${count}-byte fixed field`, this.pos);
    }
    this.pos += count;
  }

  /** Groups are deprecated but legal; skipping one means walking to its matching end key. */
  private skipGroup(fieldNumber: number, depth: number): void {
    if (depth > MAX_GROUP_DEPTH) {
      throw new ProtobufDecodeError('groups nested too deeply', this.pos);
    }
    const endKey = fieldKey(fieldNumber, WireType.EndGroup);
    for (;;) {
      if (this.pos >= this.end) throw new ProtobufDecodeError('unterminated group', this.pos);
      const key = this.readKey();
      if (key === endKey) return;
      this.skipField(key, depth);
    }
  }
}
