/**
 * The on-disk entry format. Every entry is self-describing and self-checking, so recovery can validate each one
 * and resynchronise after damage without any index:
 *
 *   offset  size  field
 *        0     4  magic FE 54 47 53 ("\xFETGS")
 *        4     4  body length, u32 LE (everything after the CRC)
 *        8     4  CRC-32 of the body, u32 LE
 *       12     8  appendedAt, float64 LE (ms since the epoch)
 *       20     2  deviceId length in bytes, u16 LE
 *       22     n  deviceId, UTF-8
 *     22+n     m  data
 *
 * The magic starts with 0xFE, a byte that never occurs in UTF-8, so JSON readings cannot contain it and a
 * resync scan rarely stops on a false candidate (and a false candidate still has to pass the CRC).
 */
import { crc32 } from 'node:zlib';

export const ENTRY_MAGIC = Buffer.from([0xfe, 0x54, 0x47, 0x53]);
/** magic + body length + CRC. */
export const HEADER_BYTES = 12;
/** appendedAt + deviceId length. */
export const BODY_FIXED_BYTES = 10;
/** Bytes an entry takes beyond its deviceId and data. */
export const ENTRY_OVERHEAD = HEADER_BYTES + BODY_FIXED_BYTES;
/** The u16 deviceId length field. */
export const MAX_DEVICE_ID_BYTES = 0xffff;

const MAGIC_WORD = ENTRY_MAGIC.readUInt32LE(0);

/** Encoded size of an entry. */
export function entrySize(deviceIdBytes: number, dataBytes: number): number {
  return ENTRY_OVERHEAD + deviceIdBytes + dataBytes;
}

/** Encodes one entry into a new buffer; the caller has checked the size limits. */
export function encodeEntry(
  deviceId: string,
  data: Uint8Array,
  appendedAt: number,
  idBytes = Buffer.byteLength(deviceId, 'utf8'),
): Buffer {
  const size = entrySize(idBytes, data.length);
  const buf = Buffer.allocUnsafe(size);
  ENTRY_MAGIC.copy(buf, 0);
  buf.writeUInt32LE(size - HEADER_BYTES, 4);
  buf.writeDoubleLE(appendedAt, 12);
  buf.writeUInt16LE(idBytes, 20);
  buf.write(deviceId, ENTRY_OVERHEAD, idBytes, 'utf8');
  buf.set(data, ENTRY_OVERHEAD + idBytes);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER_BYTES)), 8);
  return buf;
}

/**
 * Checks the entry starting at `buf[off]`, with `end` the end of the bytes available in `buf`.
 * Returns its size (> 0) when it is complete and valid; `-need` (< 0) when the bytes available do not yet cover
 * it and `need` bytes from `off` are required to decide; 0 when it is not a valid entry (wrong magic, a length
 * outside [minimum, maxEntryBytes], a CRC mismatch or a deviceId length that overruns the body).
 * Numbers instead of result objects: recovery calls this once per entry over whole gigabytes.
 */
export function checkEntry(buf: Buffer, off: number, end: number, maxEntryBytes: number): number {
  if (end - off < HEADER_BYTES) {
    // Reject early on a bad magic prefix, so a torn tail shorter than a header is not mistaken for "need more".
    const n = Math.min(end - off, ENTRY_MAGIC.length);
    for (let i = 0; i < n; i++) if (buf[off + i] !== ENTRY_MAGIC[i]) return 0;
    return -HEADER_BYTES;
  }
  if (buf.readUInt32LE(off) !== MAGIC_WORD) return 0;
  const bodyLength = buf.readUInt32LE(off + 4);
  const size = HEADER_BYTES + bodyLength;
  if (bodyLength < BODY_FIXED_BYTES || size > maxEntryBytes) return 0;
  if (end - off < size) return -size;
  const body = buf.subarray(off + HEADER_BYTES, off + size);
  if (crc32(body) !== buf.readUInt32LE(off + 8)) return 0;
  if (BODY_FIXED_BYTES + body.readUInt16LE(8) > bodyLength) return 0;
  return size;
}

export interface DecodedEntry {
  appendedAt: number;
  deviceId: string;
  /** A view into `buf`; copy it if `buf` is reused. */
  data: Buffer;
}

/** Reads the fields of an entry that {@link checkEntry} accepted with `size`. */
export function decodeEntry(buf: Buffer, off: number, size: number): DecodedEntry {
  const idBytes = buf.readUInt16LE(off + 20);
  const idStart = off + ENTRY_OVERHEAD;
  return {
    appendedAt: buf.readDoubleLE(off + 12),
    deviceId: buf.toString('utf8', idStart, idStart + idBytes),
    data: buf.subarray(idStart + idBytes, off + size),
  };
}

/** appendedAt of an entry that {@link checkEntry} accepted, without decoding the rest. */
export function entryAppendedAt(buf: Buffer, off: number): number {
  return buf.readDoubleLE(off + 12);
}

/** The next offset in [from, end) where the magic starts (all 4 bytes inside `end`), or -1. */
export function findMagic(buf: Buffer, from: number, end: number): number {
  if (from >= end) return -1;
  const at = buf.indexOf(ENTRY_MAGIC, from);
  return at === -1 || at + ENTRY_MAGIC.length > end ? -1 : at;
}
