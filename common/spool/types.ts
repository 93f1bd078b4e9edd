import type { Logger } from '../logger.js';
import type { SpoolFs } from './fs.js';

export interface SpoolOptions {
  /** Directory of the segment files and the checkpoint; created if missing. One spool per directory. */
  dir: string;
  /**
   * Cap on live bytes on disk: the segments still holding entries that are not done. At the cap appends are
   * held (backpressure); nothing is ever dropped. Default 1 GiB.
   */
  maxBytes?: number;
  /**
   * Segment files rotate at this size; space is freed a whole segment at a time, once everything in it is done.
   * Clamped to a quarter of `maxBytes` (so the cap always spans several segments), and it is also the largest
   * entry the spool accepts. Default 64 MiB.
   */
  segmentBytes?: number;
  /** fdatasync each group commit (and the checkpoint). Only tests of logic turn this off. Default true. */
  fsync?: boolean;
  /** How often the done-watermark is persisted, in ms (also at close). Default 200. */
  checkpointIntervalMs?: number;
  /**
   * Durable entries not yet read are kept in memory up to this many bytes, so the drain cursor reads the live
   * tail without touching the disk; a larger backlog is read back from the segment files. Default 16 MiB.
   */
  tailCacheBytes?: number;
  /** First delay before retrying a failed write or sync, in ms; doubles per failure. Default 100. */
  retryMinMs?: number;
  /** Longest delay between write retries, in ms. Default 5000. */
  retryMaxMs?: number;
  logger: Logger;
  /** Called once per group commit with its duration in seconds (writev + fdatasync), for the latency histogram. */
  onFsync?: (seconds: number) => void;
  /** Clock for `appendedAt`, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** File-system calls; tests inject faults here. Default `node:fs/promises`. */
  fs?: SpoolFs;
}

export interface SpoolEntry {
  /** Log sequence number: the entry's global byte offset in the log. Increases in append order. */
  lsn: number;
  deviceId: string;
  data: Buffer;
  /** When it was appended, ms since the epoch. */
  appendedAt: number;
}

export interface SpoolStats {
  /** Bytes of segments that cannot be deleted yet (from the watermark's segment to the write end). */
  bytes: number;
  /** Durable entries not done yet. */
  entries: number;
  /** appendedAt of the oldest entry not done (exact when it is in memory, else within 64 KiB / 1 s of it). */
  oldestAppendedAt: number | undefined;
  /** Entries found at open between the watermark and the end: replayed before anything new. */
  replayedEntries: number;
  /** Entries lost to damage (torn tail at open, checksum failures) since open. */
  corruptEntries: number;
  corruptBytes: number;
  /** Segment files on disk. */
  segments: number;
  /** Appends are held because the cap is reached. */
  full: boolean;
  /** The last write/sync/checkpoint error while it persists (appends are held), else undefined. */
  error: string | undefined;
}

export interface Spool {
  /**
   * Appends one entry; resolves with its LSN once durable (written and fdatasync'd). Appends that arrive while a
   * group commit runs share the next one (one writev, one fdatasync). While the spool is full or the disk fails,
   * appends are held in memory, neither resolved nor rejected (that is the backpressure signal), and written
   * when room frees up or the disk recovers. Rejects only once closed (SPOOL_CLOSED), or for an entry larger
   * than a segment (SPOOL_TOO_LARGE).
   */
  append(deviceId: string, data: Buffer): Promise<number>;
  /** True while appends are being held (full, or disk error). */
  readonly blocked: boolean;
  /** Calls `cb` once, when appends are no longer held (soon, if they are not held now). */
  whenUnblocked(cb: () => void): void;
  /**
   * The drain cursor: the next durable entries in log order after the last ones returned (at most `maxEntries`,
   * and not more than `maxBytes` of deviceId + data unless one entry alone is larger), waiting until at least one
   * exists. After open, it starts at the done-watermark, so everything not done is replayed first. Concurrent
   * calls are served one after the other. Resolves with [] once closed.
   */
  read(maxEntries: number, maxBytes: number): Promise<SpoolEntry[]>;
  /**
   * Marks an entry returned by `read` as done (accepted downstream). Entries may finish in any order; the
   * watermark advances over the done prefix, segments wholly below it are deleted, and it is persisted every
   * `checkpointIntervalMs` and at close. Unknown or repeated LSNs are ignored.
   */
  markDone(lsn: number): void;
  stats(): SpoolStats;
  /** Writes pending appends (best effort; the rest reject), persists the watermark, closes files; a pending read resolves with []. */
  close(): Promise<void>;
}
