/**
 * Reads the log back from the segment files, for a backlog larger than the in-memory tail (after an outage, or
 * replay after a restart). One open segment and one large read buffer at a time; the buffer is kept between
 * calls, so a drainer taking a few hundred entries per call does not re-read anything.
 */
import { ENTRY_OVERHEAD } from './format.js';
import type { SpoolFile, SpoolFs } from './fs.js';
import { SegmentScanner, type CorruptRegion } from './scanner.js';
import { segmentIndexAt, type Segment } from './segments.js';
import type { SpoolEntry } from './types.js';

export interface DiskReaderOptions {
  fs: SpoolFs;
  /** Shared with the spool (which deletes from the front and appends at the end). */
  segments: readonly Segment[];
  chunkBytes: number;
  maxEntryBytes: number;
}

export interface DiskRead {
  /** Entries with their encoded sizes, in log order. */
  entries: Array<{ entry: SpoolEntry; size: number }>;
  /** Damage met on the way, with LSNs. */
  corrupt: Array<{ lsn: number; length: number; entries: number }>;
  /** Where the next read continues. */
  next: number;
}

export interface DiskReader {
  /**
   * Reads entries from `from` (an entry boundary) towards `limit`: at most `maxEntries`, at most `maxBytes` of
   * deviceId + data (one entry regardless); at least one unless it reached `limit`.
   */
  read(from: number, limit: number, maxEntries: number, maxBytes: number): Promise<DiskRead>;
  close(): Promise<void>;
}

export function createDiskReader(options: DiskReaderOptions): DiskReader {
  const { fs, segments } = options;
  let open: { segment: Segment; file: SpoolFile; scanner: SegmentScanner } | undefined;

  async function release(): Promise<void> {
    const current = open;
    open = undefined;
    if (current !== undefined) await current.file.close();
  }

  async function scannerFor(segment: Segment, offset: number): Promise<SegmentScanner> {
    if (open?.segment === segment) {
      if (open.scanner.position !== offset) open.scanner.seek(offset);
      return open.scanner;
    }
    await release();
    const file = await fs.open(segment.path, 'r');
    const scanner = new SegmentScanner(file, offset, {
      chunkBytes: options.chunkBytes, maxEntryBytes: options.maxEntryBytes, decode: true,
    });
    open = { segment, file, scanner };
    return scanner;
  }

  return {
    async read(from, limit, maxEntries, maxBytes) {
      const result: DiskRead = { entries: [], corrupt: [], next: from };
      let cursor = from;
      let payload = 0;
      // Across segment boundaries too, so a drainer asking for 500 entries is not handed the 3 left in a segment.
      while (cursor < limit && result.entries.length < maxEntries && payload < maxBytes) {
        const index = segmentIndexAt(segments, cursor);
        const segment = index === -1 ? undefined : segments[index];
        if (segment === undefined) {
          cursor = limit;
          break;
        }
        if (segment.start > cursor) {
          // A gap (a segment lost or removed by hand): nothing to read there.
          cursor = Math.min(segment.start, limit);
          continue;
        }
        const segLimit = Math.min(segment.size, limit - segment.start);
        const scanner = await scannerFor(segment, cursor - segment.start);
        const taken = result.entries.length;
        const items = await scanner.scan(segLimit, maxEntries - taken, maxBytes - payload, taken === 0);
        for (const item of items) {
          if (item.kind === 'entry') {
            const lsn = segment.start + item.offset;
            const entry: SpoolEntry = { lsn, deviceId: item.deviceId, data: item.data, appendedAt: item.appendedAt };
            result.entries.push({ entry, size: item.size });
            payload += item.size - ENTRY_OVERHEAD;
          } else {
            result.corrupt.push(region(segment, item));
          }
        }
        if (items.length === 0 && scanner.position < segLimit) {
          // Not at the segment's end yet nothing came back: either the budget is spent (the next entry does not
          // fit) or the file is shorter than the log says (truncated behind our back).
          if (taken > 0) break;
          result.corrupt.push({ lsn: segment.start + scanner.position, length: segLimit - scanner.position, entries: 1 });
          scanner.seek(segLimit);
        }
        cursor = segment.start + scanner.position;
      }
      result.next = cursor;
      return result;
    },
    close: release,
  };
}

function region(segment: Segment, item: CorruptRegion): { lsn: number; length: number; entries: number } {
  return { lsn: segment.start + item.offset, length: item.length, entries: item.entries };
}
