/**
 * Opening a spool directory after any kind of stop: clean close, SIGKILL, power loss, a damaged disk. Finds the
 * segments, reads the checkpoint, validates every entry from the watermark to the end, truncates a torn tail,
 * and skips (and counts) damage in the middle. Never throws on bad data, so the gateway cannot crash-loop on it;
 * only real I/O errors (permission denied, EIO) are thrown, as SPOOL_IO.
 */
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import { AgeMarks } from './age-marks.js';
import { readCheckpoint } from './checkpoint.js';
import { errnoCode, SpoolError } from './errors.js';
import { syncDirectory, type SpoolFile, type SpoolFs } from './fs.js';
import { SegmentScanner } from './scanner.js';
import { listSegments, segmentEnd, segmentFileName, segmentIndexAt, type Segment } from './segments.js';

export interface RecoveryOptions {
  fs: SpoolFs;
  dir: string;
  logger: Logger;
  fsync: boolean;
  maxEntryBytes: number;
  chunkBytes: number;
}

export interface Recovered {
  /** Oldest first; the last one is the segment appends continue in. */
  segments: Segment[];
  /** Open for writing on the last segment. */
  activeFile: SpoolFile;
  /** Where replay starts: everything below it is done. */
  watermark: number;
  /** The watermark the checkpoint file holds (undefined when missing or corrupt). */
  persistedWatermark: number | undefined;
  replayedEntries: number;
  corruptEntries: number;
  corruptBytes: number;
  /** Damage found in the middle of the log, by start LSN → end LSN, so the drain cursor skips it quietly. */
  corruptRanges: Map<number, number>;
  marks: AgeMarks;
}

/** Corrupt regions logged one by one before the rest are only summed up (a failing disk must not flood the log). */
const MAX_LOGGED_REGIONS = 20;

export async function recoverSpool(options: RecoveryOptions): Promise<Recovered> {
  const { fs, dir, logger } = options;
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new SpoolError('SPOOL_IO', `cannot create the spool directory ${dir}`, { cause: err });
  }
  const segments = await listSegments(fs, dir);
  const checkpoint = await readCheckpoint(fs, dir);
  const result = { corruptEntries: 0, corruptBytes: 0, loggedRegions: 0 };
  const corruptRanges = new Map<number, number>();

  await removeOverlaps(fs, segments, logger, result);
  if (checkpoint.kind === 'corrupt') {
    logger.warn(
      { dir, reason: checkpoint.reason, code: 'SPOOL_CORRUPT' },
      'spool checkpoint is corrupt: replaying from the oldest segment (duplicates possible, nothing lost)',
    );
  } else if (checkpoint.kind === 'missing' && segments.length > 0) {
    logger.warn({ dir }, 'spool checkpoint is missing: replaying from the oldest segment (duplicates possible, nothing lost)');
  }

  const first = segments[0];
  const last = segments[segments.length - 1];
  let watermark = checkpoint.kind === 'ok' ? checkpoint.watermark : (first?.start ?? 0);
  // Segments below the checkpoint may have been deleted before the checkpoint was rewritten: start at the oldest.
  if (first !== undefined && watermark < first.start) watermark = first.start;
  if (last !== undefined && watermark > segmentEnd(last)) {
    logger.warn({ dir, watermark, end: segmentEnd(last) }, 'spool checkpoint points past the end of the log: using the end');
    watermark = segmentEnd(last);
  }

  await deleteDoneSegments(fs, segments, watermark, logger);

  if (segments.length === 0) {
    const start = watermark;
    const path = join(dir, segmentFileName(start));
    try {
      await (await fs.open(path, 'w')).close();
      if (options.fsync) await syncDirectory(fs, dir);
    } catch (err) {
      throw new SpoolError('SPOOL_IO', `cannot create spool segment ${path}`, { cause: err });
    }
    segments.push({ start, path, size: 0 });
  }
  const active = segments[segments.length - 1] as Segment;
  let activeFile: SpoolFile;
  try {
    activeFile = await fs.open(active.path, 'r+');
  } catch (err) {
    throw new SpoolError('SPOOL_IO', `cannot open spool segment ${active.path}`, { cause: err });
  }

  const marks = new AgeMarks();
  let replayedEntries = 0;
  try {
    const from = segmentIndexAt(segments, watermark);
    for (let i = from; i >= 0 && i < segments.length; i++) {
      const seg = segments[i] as Segment;
      const isLast = seg === active;
      const file = isLast ? activeFile : await fs.open(seg.path, 'r');
      try {
        const scanner = new SegmentScanner(file, Math.max(0, watermark - seg.start), {
          chunkBytes: options.chunkBytes, maxEntryBytes: options.maxEntryBytes, decode: false,
        });
        for (;;) {
          const items = await scanner.scan(seg.size, 65_536, Number.POSITIVE_INFINITY);
          if (items.length === 0) break;
          for (const item of items) {
            if (item.kind === 'entry') {
              replayedEntries++;
              marks.offer(seg.start + item.offset, item.appendedAt);
              continue;
            }
            result.corruptEntries += item.entries;
            result.corruptBytes += item.length;
            const tail = item.offset + item.length >= seg.size;
            if (isLast && tail) {
              // Nothing valid follows: a write interrupted by a crash (never acknowledged) or damage at the very end.
              await file.truncate(item.offset);
              if (options.fsync) await file.datasync();
              logger.warn(
                { segment: seg.path, offset: item.offset, bytes: item.length, code: 'SPOOL_CORRUPT' },
                'spool: truncated an incomplete or corrupt entry at the end of the log ' +
                  '(typically a write cut off by a crash before it was acknowledged)',
              );
              seg.size = item.offset;
              break;
            }
            corruptRanges.set(seg.start + item.offset, seg.start + item.offset + item.length);
            if (result.loggedRegions++ < MAX_LOGGED_REGIONS) {
              logger.warn(
                { segment: seg.path, offset: item.offset, bytes: item.length, entries: item.entries, code: 'SPOOL_CORRUPT' },
                'spool: skipped corrupt data (checksum mismatch); resynchronised at the next valid entry',
              );
            }
          }
        }
      } finally {
        if (!isLast) await file.close();
      }
    }
  } catch (err) {
    // The scan's error is the one to report; a failing close of the same file adds nothing.
    await activeFile.close().catch((closeErr: unknown) => {
      logger.debug({ err: closeErr }, 'spool: close after a failed recovery failed too');
    });
    throw new SpoolError('SPOOL_IO', `I/O error while recovering the spool in ${dir}`, { cause: err });
  }
  if (result.loggedRegions > MAX_LOGGED_REGIONS) {
    logger.warn({ dir, regions: result.loggedRegions, code: 'SPOOL_CORRUPT' }, 'spool: more corrupt regions were skipped than logged');
  }

  return {
    segments,
    activeFile,
    watermark,
    persistedWatermark: checkpoint.kind === 'ok' ? checkpoint.watermark : undefined,
    replayedEntries,
    corruptEntries: result.corruptEntries,
    corruptBytes: result.corruptBytes,
    corruptRanges,
    marks,
  };
}

/**
 * Segments must not overlap (each starts where the previous ended). The writer never makes them overlap, but an
 * empty segment left by a rotation that failed half-way, or a file copied in by hand, could. An empty overlapping
 * file is removed; otherwise the older segment is read only up to the next one's start.
 */
async function removeOverlaps(fs: SpoolFs, segments: Segment[], logger: Logger, result: { corruptBytes: number }): Promise<void> {
  for (let i = 0; i + 1 < segments.length; ) {
    const a = segments[i] as Segment;
    const b = segments[i + 1] as Segment;
    if (segmentEnd(a) <= b.start) {
      i++;
      continue;
    }
    if (b.size === 0) {
      logger.warn({ segment: b.path }, 'spool: removing an empty segment that overlaps the previous one');
      try {
        await fs.unlink(b.path);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw new SpoolError('SPOOL_IO', `cannot remove spool segment ${b.path}`, { cause: err });
      }
      segments.splice(i + 1, 1);
      continue;
    }
    logger.error(
      { segment: a.path, next: b.path, code: 'SPOOL_CORRUPT' },
      'spool: segments overlap; reading the older one only up to the next one',
    );
    result.corruptBytes += segmentEnd(a) - b.start;
    a.size = b.start - a.start;
    i++;
  }
}

/** Removes segments wholly below the watermark (the newest one always stays: appends continue in it). */
async function deleteDoneSegments(fs: SpoolFs, segments: Segment[], watermark: number, logger: Logger): Promise<void> {
  while (segments.length > 1 && segmentEnd(segments[0] as Segment) <= watermark) {
    const seg = segments[0] as Segment;
    try {
      await fs.unlink(seg.path);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') {
        // Harmless to keep: it is deleted by the next checkpoint. Not a reason to refuse to start.
        logger.warn({ err, segment: seg.path }, 'spool: could not delete a segment that is fully done');
        return;
      }
    }
    segments.shift();
  }
}
