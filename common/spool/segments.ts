/** Segment files: naming, listing, and the in-memory table of what is on disk. */
import { join } from 'node:path';
import { SpoolError } from './errors.js';
import type { SpoolFs } from './fs.js';

const SEGMENT_NAME = /^seg-(\d{20})\.log$/;

/** One segment file. LSNs are global byte offsets: an entry's LSN is `start` plus its offset in the file. */
export interface Segment {
  /** LSN of the file's first byte (from its name). */
  readonly start: number;
  readonly path: string;
  /** Bytes in the file that belong to the log: the durable size for the segment being written. */
  size: number;
}

/** The LSN just past a segment's last byte. */
export const segmentEnd = (s: Segment): number => s.start + s.size;

/** `seg-00000000000000001234.log`: zero-padded so a plain directory listing sorts in log order. */
export function segmentFileName(start: number): string {
  return `seg-${String(start).padStart(20, '0')}.log`;
}

export function parseSegmentFileName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (m === null) return undefined;
  const start = Number(m[1]);
  return Number.isSafeInteger(start) ? start : undefined;
}

/** The segment files in `dir`, oldest first, with their sizes. Other files are left alone. */
export async function listSegments(fs: SpoolFs, dir: string): Promise<Segment[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    throw new SpoolError('SPOOL_IO', `cannot list the spool directory ${dir}`, { cause: err });
  }
  const segments: Segment[] = [];
  for (const name of names) {
    const start = parseSegmentFileName(name);
    if (start === undefined) continue;
    const path = join(dir, name);
    try {
      const st = await fs.stat(path);
      if (!st.isFile()) continue;
      segments.push({ start, path, size: st.size });
    } catch (err) {
      throw new SpoolError('SPOOL_IO', `cannot stat spool segment ${path}`, { cause: err });
    }
  }
  return segments.sort((a, b) => a.start - b.start);
}

/** Index of the segment holding `lsn`, or of the first segment after it (a gap), or -1 past the end. */
export function segmentIndexAt(segments: readonly Segment[], lsn: number): number {
  // Binary search for the last segment with start <= lsn.
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((segments[mid] as Segment).start <= lsn) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found >= 0 && lsn < segmentEnd(segments[found] as Segment)) return found;
  const next = found + 1;
  return next < segments.length ? next : -1;
}
