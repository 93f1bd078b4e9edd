import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../common/spool/checkpoint.js';
import { checkEntry, decodeEntry, encodeEntry, ENTRY_MAGIC, ENTRY_OVERHEAD, findMagic } from '../../common/spool/format.js';
import type { SpoolFile } from '../../common/spool/fs.js';
import { SegmentScanner, type ScanItem } from '../../common/spool/scanner.js';
import { parseSegmentFileName, segmentFileName } from '../../common/spool/segments.js';

const MAX = 1 << 20;

/** A read-only in-memory file, so the scanner's chunking can be exercised without a disk. */
function memoryFile(content: Buffer): SpoolFile {
  const unsupported = (): never => {
    throw new Error('read-only test file');
  };
  return {
    async read(buffer, offset, length, position) {
      const n = Math.max(0, Math.min(length, content.length - position));
      content.copy(buffer, offset, position, position + n);
      return { bytesRead: n };
    },
    writev: unsupported,
    write: unsupported,
    datasync: unsupported,
    sync: unsupported,
    truncate: unsupported,
    close: async () => undefined,
  };
}

async function scanAll(content: Buffer, chunkBytes: number, limit = content.length): Promise<ScanItem[]> {
  const scanner = new SegmentScanner(memoryFile(content), 0, { chunkBytes, maxEntryBytes: MAX, decode: true });
  const items: ScanItem[] = [];
  for (;;) {
    const batch = await scanner.scan(limit, 7, Number.POSITIVE_INFINITY);
    if (batch.length === 0) return items;
    items.push(...batch);
  }
}

const entries = (items: ScanItem[]): string[] => items.flatMap((i) => (i.kind === 'entry' ? [`${i.deviceId}:${i.data.toString()}`] : []));
const corrupt = (items: ScanItem[]): Array<{ offset: number; length: number }> =>
  items.flatMap((i) => (i.kind === 'corrupt' ? [{ offset: i.offset, length: i.length }] : []));

describe('crc32 (node:zlib, the checksum of spool entries and checkpoints)', () => {
  it('matches the standard check value', () => {
    // The CRC-32/ISO-HDLC check value of "123456789".
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('continues from a previous value', () => {
    const data = randomBytes(1000);
    expect(crc32(data.subarray(300), crc32(data.subarray(0, 300)))).toBe(crc32(data));
  });
});

describe('entry encoding', () => {
  it('round-trips deviceId, data and appendedAt', () => {
    const data = Buffer.from('{"t":21.5}');
    const buf = encodeEntry('thermo-Ω-7', data, 1_717_000_000_123.5);
    expect(buf.subarray(0, 4)).toEqual(ENTRY_MAGIC);
    expect(buf.length).toBe(ENTRY_OVERHEAD + Buffer.byteLength('thermo-Ω-7') + data.length);
    expect(checkEntry(buf, 0, buf.length, MAX)).toBe(buf.length);
    const decoded = decodeEntry(buf, 0, buf.length);
    expect(decoded).toEqual({ appendedAt: 1_717_000_000_123.5, deviceId: 'thermo-Ω-7', data });
  });

  it('handles empty data, an empty deviceId and binary data that contains the magic', () => {
    const binary = Buffer.concat([randomBytes(10), ENTRY_MAGIC, randomBytes(10)]);
    for (const [id, data] of [['d', Buffer.alloc(0)], ['', Buffer.from('x')], ['bin', binary]] as const) {
      const buf = encodeEntry(id, data, 1);
      expect(checkEntry(buf, 0, buf.length, MAX)).toBe(buf.length);
      expect(decodeEntry(buf, 0, buf.length).data).toEqual(data);
      expect(decodeEntry(buf, 0, buf.length).deviceId).toBe(id);
    }
  });

  it('asks for more bytes when an entry is cut short, and rejects damage', () => {
    const buf = encodeEntry('dev', Buffer.from('hello world'), 42);
    expect(checkEntry(buf, 0, 5, MAX)).toBe(-12); // header incomplete
    expect(checkEntry(buf, 0, buf.length - 1, MAX)).toBe(-buf.length); // body incomplete
    expect(checkEntry(buf, 0, buf.length, buf.length - 1)).toBe(0); // longer than allowed
    for (const at of [0, 9, 13, 21, buf.length - 1]) {
      const bad = Buffer.from(buf);
      bad[at] = (bad[at] as number) ^ 0x40;
      expect(checkEntry(bad, 0, bad.length, MAX), `flipped byte ${at}`).toBe(0);
    }
    // A flipped length either fails the CRC or claims more bytes than exist; the scanner treats both as damage.
    const longer = Buffer.from(buf);
    longer[5] = (longer[5] as number) ^ 0x40;
    expect(checkEntry(longer, 0, longer.length, MAX)).toBe(-(buf.length + 0x4000));
    const shorter = Buffer.from(buf);
    shorter[4] = (shorter[4] as number) ^ 0x08; // 24 → 16 body bytes
    expect(checkEntry(shorter, 0, shorter.length, MAX)).toBe(0);
    // A deviceId length that overruns the body: re-CRC so only that check can catch it.
    const overrun = Buffer.from(buf);
    overrun.writeUInt16LE(200, 20);
    overrun.writeUInt32LE(crc32(overrun.subarray(12)), 8);
    expect(checkEntry(overrun, 0, overrun.length, MAX)).toBe(0);
    // A short tail that does not even start with the magic is damage, not "need more".
    expect(checkEntry(Buffer.from([0, 0, 0]), 0, 3, MAX)).toBe(0);
  });

  it('finds the magic only where all four bytes fit', () => {
    const buf = Buffer.concat([Buffer.from('abc'), ENTRY_MAGIC, Buffer.from('z')]);
    expect(findMagic(buf, 0, buf.length)).toBe(3);
    expect(findMagic(buf, 4, buf.length)).toBe(-1);
    expect(findMagic(buf, 0, 6)).toBe(-1);
  });
});

describe('segment scanner', () => {
  const make = (n: number, prefix = 'r'): Buffer[] => Array.from({ length: n }, (_, i) => encodeEntry(`dev-${i % 3}`, Buffer.from(`${prefix}${i}`.repeat(1 + (i % 5))), i));

  it('splits a clean segment into its entries across chunk boundaries', async () => {
    const list = make(50);
    const content = Buffer.concat(list);
    for (const chunk of [16, 37, 100, 4096]) {
      const items = await scanAll(content, chunk);
      expect(entries(items)).toEqual(list.map((b) => `${decodeEntry(b, 0, b.length).deviceId}:${decodeEntry(b, 0, b.length).data.toString()}`));
      expect(corrupt(items)).toEqual([]);
    }
  });

  it('resynchronises after garbage, including garbage that contains the magic', async () => {
    const list = make(12);
    const garbage1 = Buffer.concat([randomBytes(13).fill(0x11), ENTRY_MAGIC, Buffer.from([0xff, 0xff, 0, 0]), randomBytes(20).fill(0x22)]);
    const damaged = Buffer.from(list[7] as Buffer);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
    const content = Buffer.concat([...list.slice(0, 3), garbage1, ...list.slice(3, 7), damaged, ...list.slice(8)]);
    const off = (k: number): number => list.slice(0, k).reduce((s, b) => s + b.length, 0);
    for (const chunk of [8, 29, 64, 1 << 16]) {
      const items = await scanAll(content, chunk);
      const expected = [...list.slice(0, 7), ...list.slice(8)].map((b) => {
        const d = decodeEntry(b, 0, b.length);
        return `${d.deviceId}:${d.data.toString()}`;
      });
      expect(entries(items), `chunk ${chunk}`).toEqual(expected);
      expect(corrupt(items)).toEqual([
        { offset: off(3), length: garbage1.length },
        { offset: off(7) + garbage1.length, length: damaged.length },
      ]);
    }
  });

  it('reports a torn tail as a region reaching the limit', async () => {
    const list = make(5);
    const torn = (list[4] as Buffer).subarray(0, 9);
    const content = Buffer.concat([...list.slice(0, 4), torn]);
    const items = await scanAll(content, 16);
    expect(entries(items)).toHaveLength(4);
    const start = content.length - torn.length;
    expect(corrupt(items)).toEqual([{ offset: start, length: torn.length }]);
  });

  it('treats a length field pointing past the limit as damage, not as a reason to read on', async () => {
    const list = make(3);
    const bad = Buffer.from(list[1] as Buffer);
    bad.writeUInt32LE(0x7fffffff, 4);
    const content = Buffer.concat([list[0] as Buffer, bad, list[2] as Buffer]);
    const items = await scanAll(content, 32);
    expect(entries(items)).toHaveLength(2);
    expect(corrupt(items)).toEqual([{ offset: (list[0] as Buffer).length, length: bad.length }]);
  });

  it('stops at the limit it is given and continues when the limit grows', async () => {
    const list = make(6);
    const content = Buffer.concat(list);
    const scanner = new SegmentScanner(memoryFile(content), 0, { chunkBytes: 1 << 16, maxEntryBytes: MAX, decode: true });
    const firstThree = list.slice(0, 3).reduce((s, b) => s + b.length, 0);
    expect(await scanner.scan(firstThree, 100, Number.POSITIVE_INFINITY)).toHaveLength(3);
    expect(await scanner.scan(firstThree, 100, Number.POSITIVE_INFINITY)).toEqual([]);
    expect(await scanner.scan(content.length, 100, Number.POSITIVE_INFINITY)).toHaveLength(3);
  });

  it('honours maxEntries and the payload byte budget (at least one entry)', async () => {
    const list = make(10);
    const scanner = new SegmentScanner(memoryFile(Buffer.concat(list)), 0, { chunkBytes: 64, maxEntryBytes: MAX, decode: true });
    expect(await scanner.scan(Number.MAX_SAFE_INTEGER, 2, Number.POSITIVE_INFINITY)).toHaveLength(2);
    expect(await scanner.scan(Number.MAX_SAFE_INTEGER, 100, 1)).toHaveLength(1);
  });
});

describe('checkpoint encoding', () => {
  it('round-trips and detects damage', () => {
    const buf = encodeCheckpoint(123_456_789_012);
    expect(decodeCheckpoint(buf)).toEqual({ kind: 'ok', watermark: 123_456_789_012 });
    for (let i = 0; i < buf.length; i++) {
      const bad = Buffer.from(buf);
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(decodeCheckpoint(bad).kind).toBe('corrupt');
    }
    expect(decodeCheckpoint(buf.subarray(0, 10)).kind).toBe('corrupt');
  });
});

describe('segment names', () => {
  it('are zero-padded start LSNs that sort in log order', () => {
    expect(segmentFileName(1234)).toBe('seg-00000000000000001234.log');
    expect(parseSegmentFileName(segmentFileName(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSegmentFileName('seg-1.log')).toBeUndefined();
    expect(parseSegmentFileName('checkpoint')).toBeUndefined();
  });
});
