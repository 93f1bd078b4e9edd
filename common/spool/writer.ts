/**
 * The append side: group commit, segment rotation, the size cap and disk-fault handling.
 *
 * One batch is in flight at a time. Everything appended while it is being written and fdatasync'd forms the next
 * batch: one writev and one fdatasync for all of it, so the cost of a sync is shared by every append that waited
 * for it. A batch leaves the queue only once durable; when a write or sync fails, it stays queued, the segment is
 * cut back to its last durable size, and the same bytes are written again after a backoff.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger.js';
import { Deque } from '../deque.js';
import { describeError, errnoCode, SpoolError } from './errors.js';
import { syncDirectory, writeAll, type SpoolFile, type SpoolFs } from './fs.js';
import { segmentEnd, segmentFileName, type Segment } from './segments.js';
import type { SpoolEntry } from './types.js';

/** An append waiting to become durable. */
export interface PendingAppend {
  /** The encoded entry. */
  readonly buf: Buffer;
  /** Handed to the reader once durable; `lsn` is set then. */
  readonly entry: SpoolEntry;
  resolve(lsn: number): void;
  reject(err: Error): void;
}

/** Upper bound of one group commit: bounds the latency of the appends behind a large backlog. */
const GROUP_MAX_BYTES = 4 * 1024 * 1024;

export interface WriterOptions {
  fs: SpoolFs;
  dir: string;
  logger: Logger;
  fsync: boolean;
  segmentBytes: number;
  retryMinMs: number;
  retryMaxMs: number;
  onFsync: ((seconds: number) => void) | undefined;
  /** Shared with the spool; the last one is written to, the writer appends new ones. */
  segments: Segment[];
  activeFile: SpoolFile;
  /** Bytes the log may still grow by before the size cap. */
  room(): number;
  /** A batch became durable, in log order; `entry.lsn` is set. */
  onDurable(batch: readonly PendingAppend[], endLsn: number): void;
  /** `faulted` or `capHeld` changed. */
  onStateChange(): void;
}

export interface Writer {
  enqueue(append: PendingAppend): void;
  /** Re-evaluates held appends (after the cap gained room). */
  kick(): void;
  /** Appends waiting for the next group commit (or held). */
  readonly queued: number;
  /** A write or sync failed and has not succeeded since. */
  readonly faulted: boolean;
  /** The head of the queue does not fit under the size cap. */
  readonly capHeld: boolean;
  readonly error: string | undefined;
  /** Writes what it can (one attempt even after a fault), rejects the rest with SPOOL_CLOSED, closes the file. */
  close(): Promise<void>;
}

export function createWriter(options: WriterOptions): Writer {
  const { fs, logger, segments } = options;
  const queue = new Deque<PendingAppend>();
  let file = options.activeFile;
  let running: Promise<void> | undefined;
  let scheduled = false;
  let closing = false;
  let capHeld = false;
  let faulted = false;
  let error: string | undefined;
  let attempts = 0;
  let faultSince = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  /** After a fault: reopen the segment (the descriptor itself may be what failed) and cut it back. */
  let repair = false;

  const active = (): Segment => segments[segments.length - 1] as Segment;

  function setCapHeld(value: boolean): void {
    if (capHeld === value) return;
    capHeld = value;
    options.onStateChange();
  }

  /** `force`: room under the cap may have freed up, so try even though the head was held. */
  function schedule(force = false): void {
    if (closing || running !== undefined || scheduled || retryTimer !== undefined || queue.length === 0) return;
    // Held at the cap, only markDone can help (it kicks); retrying on every append would spin the event loop.
    if (capHeld && !force) return;
    scheduled = true;
    // A microtask, not an immediate start: appends made in the same tick (one socket read of many PUBLISH
    // packets) join the first batch instead of the first one going alone.
    queueMicrotask(() => {
      scheduled = false;
      start();
    });
  }

  function start(): void {
    if (running !== undefined || queue.length === 0) return;
    running = runLogged().finally(() => {
      running = undefined;
      schedule();
    });
  }

  function runLogged(): Promise<void> {
    return run()
      .catch((err: unknown) => {
        // Only a bug gets here (I/O errors are handled inside); say so loudly rather than hang silently.
        logger.error({ err, code: 'SPOOL_IO' }, 'spool writer failed unexpectedly');
      });
  }

  /** Takes the next batch off the head of the queue (without removing it): what fits the segment and the cap. */
  function takeBatch(): { batch: PendingAppend[]; bytes: number; rotate: boolean } | undefined {
    const seg = active();
    const head = queue.peek();
    if (head === undefined) return undefined;
    const rotate = seg.size > 0 && seg.size + head.buf.length > options.segmentBytes;
    const used = rotate ? 0 : seg.size;
    const room = options.room();
    const batch: PendingAppend[] = [];
    let bytes = 0;
    for (let i = 0; i < queue.length; i++) {
      const next = queue.at(i) as PendingAppend;
      const size = next.buf.length;
      if (bytes + size > room) break;
      if (batch.length > 0 && (used + bytes + size > options.segmentBytes || bytes + size > GROUP_MAX_BYTES)) break;
      batch.push(next);
      bytes += size;
    }
    return batch.length === 0 ? undefined : { batch, bytes, rotate };
  }

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const taken = takeBatch();
      if (taken === undefined) {
        setCapHeld(true);
        return;
      }
      setCapHeld(false);
      const { batch, bytes, rotate } = taken;
      let seg: Segment;
      try {
        if (repair) await repairActive();
        if (rotate) await rotateSegment();
        seg = active();
        const t0 = performance.now();
        await writeAll(file, batch.map((p) => p.buf), seg.size);
        if (options.fsync) await file.datasync();
        options.onFsync?.((performance.now() - t0) / 1000);
      } catch (err) {
        await onFault(err);
        return;
      }
      // Durable from here on; only now does the batch leave the queue and get its LSNs.
      let lsn = segmentEnd(seg);
      for (const p of batch) {
        p.entry.lsn = lsn;
        lsn += p.buf.length;
      }
      seg.size += bytes;
      queue.drop(batch.length);
      if (faulted) recovered();
      options.onDurable(batch, lsn);
      for (const p of batch) p.resolve(p.entry.lsn);
    }
  }

  async function rotateSegment(): Promise<void> {
    const start = segmentEnd(active());
    const path = join(options.dir, segmentFileName(start));
    const next = await fs.open(path, 'w');
    try {
      // The new name must be durable before anything written to it is acknowledged.
      if (options.fsync) await syncDirectory(fs, options.dir);
    } catch (err) {
      await next.close().catch((closeErr: unknown) => {
        logger.debug({ err: closeErr }, 'spool: close of a half-created segment failed');
      });
      // Left behind it would be an empty segment overlapping the one appends continue in; recovery copes, but
      // removing it keeps the directory honest.
      await fs.unlink(path).catch((unlinkErr: unknown) => {
        logger.debug({ err: unlinkErr }, 'spool: could not remove a half-created segment');
      });
      throw err;
    }
    const previous = file;
    file = next;
    segments.push({ start, path, size: 0 });
    await previous.close().catch((err: unknown) => {
      logger.warn({ err }, 'spool: closing a full segment failed (its data was already synced)');
    });
  }

  /** Reopens the segment being written and cuts it back to its durable size (a failed writev may have left part of a batch). */
  async function repairActive(): Promise<void> {
    const seg = active();
    const reopened = await fs.open(seg.path, 'r+');
    const old = file;
    file = reopened;
    await old.close().catch((err: unknown) => logger.debug({ err }, 'spool: closing the failed segment descriptor failed'));
    await file.truncate(seg.size);
    if (options.fsync) await file.datasync();
    repair = false;
  }

  async function onFault(err: unknown): Promise<void> {
    attempts++;
    repair = true;
    error = describeError(err);
    if (!faulted) {
      faulted = true;
      faultSince = performance.now();
      logger.error(
        { err, errno: errnoCode(err), segment: active().path, held: queue.length, code: 'SPOOL_IO' },
        'spool write failed: appends are held in memory (not acknowledged) and retried; nothing acknowledged is lost',
      );
      options.onStateChange();
    } else {
      logger.debug({ err, attempts }, 'spool write retry failed');
    }
    // Cut the partial write off now rather than at the retry, so a crash in between leaves less to repair.
    try {
      await file.truncate(active().size);
    } catch (truncErr) {
      logger.debug({ err: truncErr }, 'spool: truncating after a failed write failed too; retried before the next write');
    }
    if (closing) return;
    const delay = Math.min(options.retryMaxMs, options.retryMinMs * 2 ** Math.min(attempts - 1, 20));
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      schedule();
    }, delay);
  }

  function recovered(): void {
    logger.info(
      { attempts, heldMs: Math.round(performance.now() - faultSince), segment: active().path },
      'spool write recovered: held appends are durable again',
    );
    faulted = false;
    error = undefined;
    attempts = 0;
    options.onStateChange();
  }

  return {
    enqueue(append) {
      queue.push(append);
      schedule();
    },
    kick() {
      if (capHeld) schedule(true);
    },
    get queued() {
      return queue.length;
    },
    get faulted() {
      return faulted;
    },
    get capHeld() {
      return capHeld;
    },
    get error() {
      return error;
    },
    async close() {
      closing = true;
      const hadRetry = retryTimer !== undefined;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      retryTimer = undefined;
      while (running !== undefined) await running;
      // Best effort: one more pass (also when a retry was pending), then give up on what is still held.
      if (queue.length > 0 && (hadRetry || !faulted)) {
        running = runLogged().finally(() => (running = undefined));
        await running;
      }
      const err = new SpoolError('SPOOL_CLOSED', 'the spool was closed before this append was durable');
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) p.reject(err);
      try {
        await file.close();
      } catch (closeErr) {
        // Everything acknowledged was fdatasync'd before; a failing close loses nothing, so shutdown goes on.
        logger.warn({ err: closeErr, segment: active().path }, 'spool: closing the segment file failed');
      }
    },
  };
}
