/**
 * Reads one segment file through a large buffer and splits it into entries, validating each one. After damage
 * it resynchronises: it searches forward for the next magic whose entry validates, and reports the bytes in
 * between as one corrupt region. Used both by recovery (validate everything, keep nothing) and by the drain
 * cursor when the backlog is on disk (decode and copy entries out).
 */
import { checkEntry, decodeEntry, ENTRY_MAGIC, ENTRY_OVERHEAD, entryAppendedAt, findMagic, HEADER_BYTES } from './format.js';
import type { SpoolFile } from './fs.js';

export interface ScannedEntry {
  kind: 'entry';
  /** Offset in the segment file. */
  offset: number;
  size: number;
  appendedAt: number;
  /** Only when the scanner decodes; `data` is a copy, safe to keep. */
  deviceId: string;
  data: Buffer;
}

export interface CorruptRegion {
  kind: 'corrupt';
  offset: number;
  length: number;
  /** Entries probably lost: magics seen in the region, at least 1. */
  entries: number;
}

export type ScanItem = ScannedEntry | CorruptRegion;

export interface ScannerOptions {
  /** Bytes read per call. */
  chunkBytes: number;
  /** Larger entries are treated as damage (a flipped length field must not make us allocate gigabytes). */
  maxEntryBytes: number;
  /** Decode deviceId and copy data out; recovery only needs sizes. */
  decode: boolean;
}

const EMPTY = Buffer.alloc(0);

export class SegmentScanner {
  /** Offset of the next byte to parse. */
  position: number;
  private buf: Buffer;
  private bufStart = 0;
  private bufLen = 0;
  /** Set when a read came back short: the file ends before the limit the caller believed. */
  private fileEnd = Number.POSITIVE_INFINITY;

  constructor(
    private readonly file: SpoolFile,
    position: number,
    private readonly options: ScannerOptions,
  ) {
    this.position = position;
    this.buf = Buffer.allocUnsafe(0);
  }

  /** Moves the parse position (the buffer is kept if it still covers it). */
  seek(position: number): void {
    this.position = position;
  }

  /**
   * Parses from `position` towards `limit` (a file offset; the caller guarantees the bytes below it are
   * written). Stops after `maxEntries` entries or before exceeding `maxPayloadBytes` of deviceId + data (but
   * takes one entry regardless when `atLeastOne`). Corrupt regions come back as items and do not count.
   * Returns [] only at the limit (or at a file end that came too early), or when the budget allows nothing.
   */
  async scan(limit: number, maxEntries: number, maxPayloadBytes: number, atLeastOne = true): Promise<ScanItem[]> {
    const items: ScanItem[] = [];
    let entries = 0;
    let payload = 0;
    for (;;) {
      const end = Math.min(limit, this.fileEnd);
      if (this.position >= end || entries >= maxEntries) return items;
      const bufEnd = Math.min(this.bufStart + this.bufLen, end);
      if (this.position < this.bufStart || this.position >= bufEnd) {
        if ((await this.fill(this.position, HEADER_BYTES, end)) === 0) return items;
        continue;
      }
      const off = this.position - this.bufStart;
      const size = checkEntry(this.buf, off, bufEnd - this.bufStart, this.options.maxEntryBytes);
      if (size < 0) {
        const need = -size;
        if (this.position + need <= end && this.position + need > bufEnd) {
          // The entry continues past the buffer: read from its start (the buffer grows for a big entry).
          await this.fill(this.position, need, end);
          continue;
        }
      }
      if (size <= 0) {
        items.push(await this.resync(end));
        continue;
      }
      const bytes = size - ENTRY_OVERHEAD;
      if ((entries > 0 || !atLeastOne) && payload + bytes > maxPayloadBytes) return items;
      items.push(this.entryAt(off, size));
      entries++;
      payload += bytes;
      this.position += size;
    }
  }

  private entryAt(off: number, size: number): ScannedEntry {
    if (!this.options.decode) {
      return { kind: 'entry', offset: this.position, size, appendedAt: entryAppendedAt(this.buf, off), deviceId: '', data: EMPTY };
    }
    const decoded = decodeEntry(this.buf, off, size);
    // Copied: the read buffer is reused for the next chunk.
    const data = Buffer.from(decoded.data);
    return { kind: 'entry', offset: this.position, size, appendedAt: decoded.appendedAt, deviceId: decoded.deviceId, data };
  }

  /**
   * `position` does not start a valid entry: find the next offset where one does, or give up at `end`.
   * Every candidate is validated completely (magic, length, CRC), so garbage that happens to contain the magic
   * does not end the resync early.
   */
  private async resync(end: number): Promise<CorruptRegion> {
    const start = this.position;
    let magics = 0;
    let from = start;
    for (;;) {
      if (from + ENTRY_MAGIC.length > end) break;
      let bufEnd = Math.min(this.bufStart + this.bufLen, end);
      if (from < this.bufStart || from + ENTRY_MAGIC.length > bufEnd) {
        if ((await this.fill(from, ENTRY_MAGIC.length, end)) < ENTRY_MAGIC.length) break;
        bufEnd = Math.min(this.bufStart + this.bufLen, end);
      }
      const at = findMagic(this.buf, from - this.bufStart, bufEnd - this.bufStart);
      if (at === -1) {
        // Keep the last 3 bytes: a magic may straddle the chunk boundary.
        if (bufEnd >= end) break;
        from = Math.max(from, bufEnd - (ENTRY_MAGIC.length - 1));
        await this.fill(from, ENTRY_MAGIC.length, end);
        continue;
      }
      const candidate = this.bufStart + at;
      magics++;
      if (candidate !== start && (await this.validAt(candidate, end))) {
        magics--;
        this.position = candidate;
        return { kind: 'corrupt', offset: start, length: candidate - start, entries: Math.max(1, magics) };
      }
      from = candidate + 1;
    }
    this.position = end;
    return { kind: 'corrupt', offset: start, length: end - start, entries: Math.max(1, magics) };
  }

  private async validAt(offset: number, end: number): Promise<boolean> {
    let bufEnd = Math.min(this.bufStart + this.bufLen, end);
    let size = checkEntry(this.buf, offset - this.bufStart, bufEnd - this.bufStart, this.options.maxEntryBytes);
    if (size < 0 && offset + -size <= end) {
      await this.fill(offset, -size, end);
      bufEnd = Math.min(this.bufStart + this.bufLen, end);
      size = checkEntry(this.buf, offset - this.bufStart, bufEnd - this.bufStart, this.options.maxEntryBytes);
      if (size < 0 && offset + -size <= end && offset + -size > bufEnd) {
        // The header was short before; now the body length is known and may need one more read.
        await this.fill(offset, -size, end);
        bufEnd = Math.min(this.bufStart + this.bufLen, end);
        size = checkEntry(this.buf, offset - this.bufStart, bufEnd - this.bufStart, this.options.maxEntryBytes);
      }
    }
    return size > 0;
  }

  /** Loads [pos, pos + max(chunk, need)) capped at `end`; returns the bytes available from `pos`. */
  private async fill(pos: number, need: number, end: number): Promise<number> {
    const length = Math.min(Math.max(this.options.chunkBytes, need), end - pos);
    if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, this.options.chunkBytes));
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.file.read(this.buf, got, length - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.bufStart = pos;
    this.bufLen = got;
    this.fileEnd = got < length ? pos + got : Number.POSITIVE_INFINITY;
    return got;
  }
}
