import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../common/crc32.js';

/**
 * A minimal ZIP writer (PKWARE APPNOTE 6.3.x): one local file header + data per entry, the central directory, the
 * end-of-central-directory record. Deflate or store, no ZIP64, no encryption: enough for a Lambda deployment
 * package, which AWS limits to 50 MB zipped anyway.
 */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated, no leading `/`. */
  name: string;
  data: Uint8Array;
  /** Unix permission bits. Default 0o644: Lambda runs as a different user than the file owner and needs read. */
  mode?: number;
}

export interface ZipOptions {
  /**
   * Modification time stored for every entry. Default 1980-01-01T00:00:00 (the earliest DOS date): a fixed time makes
   * the archive byte-for-byte reproducible, so an unchanged build yields the same Lambda CodeSha256 and no redeploy.
   */
  mtime?: Date;
}

// APPNOTE 4.3.7, 4.3.12, 4.3.16: record signatures.
const LOCAL_HEADER_SIG = 0x04034b50;
const CENTRAL_HEADER_SIG = 0x02014b50;
const END_OF_CENTRAL_DIR_SIG = 0x06054b50;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_OF_CENTRAL_DIR_BYTES = 22;
/** APPNOTE 4.4.3: 2.0 is the version that introduced deflate. */
const VERSION_NEEDED = 20;
/** APPNOTE 4.4.2: high byte 3 = UNIX, so unzip honours the permission bits in the external attributes. */
const VERSION_MADE_BY = (3 << 8) | VERSION_NEEDED;
/** APPNOTE 4.4.4 bit 11: names are UTF-8. */
const FLAG_UTF8 = 0x0800;
const METHOD_STORE = 0;
const METHOD_DEFLATE = 8;
/** Without ZIP64, counts are 16-bit and sizes/offsets 32-bit. */
const MAX_ENTRIES = 0xffff;
const MAX_32 = 0xffffffff;
const S_IFREG = 0o100000;

export const DEFAULT_ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export function createZip(entries: readonly ZipEntry[], options: ZipOptions = {}): Buffer {
  if (entries.length > MAX_ENTRIES) throw new RangeError(`zip: ${entries.length} entries; at most ${MAX_ENTRIES} without ZIP64`);
  const { time, date } = dosDateTime(options.mtime ?? DEFAULT_ZIP_MTIME);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const names = new Set<string>();

  for (const entry of entries) {
    checkName(entry.name, names);
    const name = Buffer.from(entry.name, 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 9 });
    // Store when deflate does not help (already-compressed or tiny data).
    const method = deflated.length < entry.data.length ? METHOD_DEFLATE : METHOD_STORE;
    const body = method === METHOD_DEFLATE ? deflated : Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const crc = crc32(entry.data);
    if (entry.data.length > MAX_32 || offset > MAX_32) throw new RangeError(`zip: ${entry.name} needs ZIP64`);

    const local = Buffer.alloc(LOCAL_HEADER_BYTES);
    local.writeUInt32LE(LOCAL_HEADER_SIG, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length

    const cen = Buffer.alloc(CENTRAL_HEADER_BYTES);
    cen.writeUInt32LE(CENTRAL_HEADER_SIG, 0);
    cen.writeUInt16LE(VERSION_MADE_BY, 4);
    cen.writeUInt16LE(VERSION_NEEDED, 6);
    cen.writeUInt16LE(FLAG_UTF8, 8);
    cen.writeUInt16LE(method, 10);
    cen.writeUInt16LE(time, 12);
    cen.writeUInt16LE(date, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(body.length, 20);
    cen.writeUInt32LE(entry.data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt16LE(0, 30); // extra field length
    cen.writeUInt16LE(0, 32); // comment length
    cen.writeUInt16LE(0, 34); // disk number start
    cen.writeUInt16LE(0, 36); // internal attributes
    cen.writeUInt32LE(((S_IFREG | (entry.mode ?? 0o644)) << 16) >>> 0, 38); // external: Unix mode in the high half
    cen.writeUInt32LE(offset, 42);

    parts.push(local, name, body);
    central.push(cen, name);
    offset += local.length + name.length + body.length;
  }

  const centralBytes = central.reduce((n, b) => n + b.length, 0);
  if (offset > MAX_32 || centralBytes > MAX_32) throw new RangeError('zip: archive needs ZIP64');
  const end = Buffer.alloc(END_OF_CENTRAL_DIR_BYTES);
  end.writeUInt32LE(END_OF_CENTRAL_DIR_SIG, 0);
  end.writeUInt16LE(0, 4); // this disk
  end.writeUInt16LE(0, 6); // disk with the central directory
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20); // comment length
  return Buffer.concat([...parts, ...central, end]);
}

/** APPNOTE 4.4.6: MS-DOS time and date, local time, 2-second resolution, years 1980–2107. */
export function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function checkName(name: string, seen: Set<string>): void {
  // APPNOTE 4.4.17.1: relative paths with forward slashes; reject what an extractor might write outside its target.
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) {
    throw new TypeError(`zip: invalid entry name ${JSON.stringify(name)}`);
  }
  if (seen.has(name)) throw new TypeError(`zip: duplicate entry ${JSON.stringify(name)}`);
  seen.add(name);
}
