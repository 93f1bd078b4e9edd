import { inflateRawSync } from 'node:zlib';
import { crc32 } from '../../common/crc32.js';

/**
 * A minimal ZIP reader for checking what `zip.ts` writes (tests, the build's self-check). It reads the central
 * directory, the way real extractors do, then each entry's local header, and verifies sizes and CRC-32. Supports
 * store and deflate; rejects ZIP64, encryption and multi-disk archives.
 */
export interface ZipEntryRead {
  name: string;
  data: Buffer;
  /** Unix permission bits when the archive was made on Unix, else undefined. */
  mode: number | undefined;
  method: number;
}

const LOCAL_HEADER_SIG = 0x04034b50;
const CENTRAL_HEADER_SIG = 0x02014b50;
const END_OF_CENTRAL_DIR_SIG = 0x06054b50;
const END_OF_CENTRAL_DIR_BYTES = 22;
const MAX_COMMENT = 0xffff;

export function readZip(zip: Buffer): ZipEntryRead[] {
  const end = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  const centralBytes = zip.readUInt32LE(end + 12);
  let p = zip.readUInt32LE(end + 16);
  if (zip.readUInt16LE(end + 4) !== 0 || zip.readUInt16LE(end + 6) !== 0) throw new Error('unzip: multi-disk archive');
  if (p + centralBytes > end) throw new Error('unzip: central directory overlaps the end record');

  const entries: ZipEntryRead[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== CENTRAL_HEADER_SIG) throw new Error(`unzip: bad central header signature at ${p}`);
    const madeBy = zip.readUInt16LE(p + 4);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const external = zip.readUInt32LE(p + 38);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString(flags & 0x0800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    if (flags & 0x0001) throw new Error(`unzip: ${name} is encrypted`);
    if (compressed === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw new Error(`unzip: ${name} uses ZIP64`);

    if (zip.readUInt32LE(localOffset) !== LOCAL_HEADER_SIG) throw new Error(`unzip: bad local header for ${name}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const body = zip.subarray(dataStart, dataStart + compressed);
    if (body.length !== compressed) throw new Error(`unzip: ${name} is truncated`);
    let data: Buffer;
    if (method === 0) data = Buffer.from(body);
    else if (method === 8) data = inflateRawSync(body);
    else throw new Error(`unzip: ${name} uses unsupported method ${method}`);
    if (data.length !== size) throw new Error(`unzip: ${name} is ${data.length} bytes, header says ${size}`);
    if (crc32(data) !== crc) throw new Error(`unzip: CRC mismatch in ${name}`);

    entries.push({ name, data, method, mode: madeBy >> 8 === 3 ? (external >>> 16) & 0o7777 : undefined });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** APPNOTE 4.3.16: the end record is the last 22 bytes plus a comment of up to 65,535 bytes; scan back for it. */
function findEndOfCentralDirectory(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - END_OF_CENTRAL_DIR_BYTES - MAX_COMMENT);
  for (let p = zip.length - END_OF_CENTRAL_DIR_BYTES; p >= lowest; p--) {
    if (zip.readUInt32LE(p) === END_OF_CENTRAL_DIR_SIG) return p;
  }
  throw new Error('unzip: no end of central directory record (not a zip file?)');
}
