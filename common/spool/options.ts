import { SpoolError } from './errors.js';
import { nodeFs, type SpoolFs } from './fs.js';
import type { SpoolOptions } from './types.js';

export const DEFAULT_SPOOL_OPTIONS = {
  maxBytes: 1024 ** 3,
  segmentBytes: 64 * 1024 ** 2,
  fsync: true,
  checkpointIntervalMs: 200,
  tailCacheBytes: 16 * 1024 ** 2,
  retryMinMs: 100,
  retryMaxMs: 5000,
} as const;

/** Reads from segment files go through a buffer this large (recovery and backlog drain). */
export const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Largest entry believed when reading: anything the u32 length field can say. Reading is bounded by the size of
 * the segment file instead, so a spool written with larger segments still reads back after the option shrank.
 */
export const READ_MAX_ENTRY_BYTES = 12 + 0xffffffff;
/** Below this a segment holds too few entries to be worth a file. */
export const MIN_SEGMENT_BYTES = 256;
/** The cap spans at least this many segments, so freeing one segment always makes room (see writer). */
const SEGMENTS_PER_CAP = 4;

export interface ResolvedSpoolOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsync: boolean;
  checkpointIntervalMs: number;
  tailCacheBytes: number;
  retryMinMs: number;
  retryMaxMs: number;
  onFsync: ((seconds: number) => void) | undefined;
  now: () => number;
  fs: SpoolFs;
  /** Largest encoded entry `append` accepts. */
  maxEntryBytes: number;
}

function positiveInteger(name: string, value: number, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new SpoolError('SPOOL_CONFIG', `spool option ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

export function resolveSpoolOptions(options: SpoolOptions): ResolvedSpoolOptions {
  const d = DEFAULT_SPOOL_OPTIONS;
  if (typeof options.dir !== 'string' || options.dir === '') throw new SpoolError('SPOOL_CONFIG', 'spool option dir is required');
  const maxBytes = positiveInteger('maxBytes', options.maxBytes ?? d.maxBytes, MIN_SEGMENT_BYTES * SEGMENTS_PER_CAP);
  const requested = positiveInteger('segmentBytes', options.segmentBytes ?? d.segmentBytes, MIN_SEGMENT_BYTES);
  // With the active segment at most a quarter of the cap, a full spool always has done-able segments behind the
  // one being written, so markDone can make room without the writer having to rotate early.
  const segmentBytes = Math.min(requested, Math.floor(maxBytes / SEGMENTS_PER_CAP));
  if (segmentBytes < requested && options.segmentBytes !== undefined) {
    options.logger.warn({ requested, segmentBytes, maxBytes }, 'spool segmentBytes lowered to a quarter of maxBytes');
  }
  const retryMinMs = positiveInteger('retryMinMs', options.retryMinMs ?? d.retryMinMs);
  const retryMaxMs = Math.max(retryMinMs, positiveInteger('retryMaxMs', options.retryMaxMs ?? d.retryMaxMs));
  return {
    dir: options.dir,
    maxBytes,
    segmentBytes,
    fsync: options.fsync ?? d.fsync,
    checkpointIntervalMs: positiveInteger('checkpointIntervalMs', options.checkpointIntervalMs ?? d.checkpointIntervalMs),
    tailCacheBytes: positiveInteger('tailCacheBytes', options.tailCacheBytes ?? d.tailCacheBytes, 0),
    retryMinMs,
    retryMaxMs,
    onFsync: options.onFsync,
    now: options.now ?? Date.now,
    fs: options.fs ?? nodeFs,
    // A u32 body length caps the format at 4 GiB; the segment size is the practical cap.
    maxEntryBytes: Math.min(segmentBytes, 0xffffffff),
  };
}
