/**
 * The spool: a write-ahead log on local disk between acknowledging a reading and Kinesis accepting it.
 * This file ties the parts together and owns the drain cursor and the done-watermark:
 *
 *   append ─▶ writer (group commit) ─▶ segment files
 *                    └──▶ in-memory tail (bounded) ─┐
 *   read ◀── disk reader (backlog) ◀────────────────┘ cursor
 *   markDone ─▶ watermark (done prefix) ─▶ checkpoint file, deletion of done segments, room under the cap
 */
import type { AgeMarks } from './age-marks.js';
import { Deque } from '../deque.js';
import { SpoolError } from './errors.js';
import { encodeEntry, ENTRY_OVERHEAD, entrySize, MAX_DEVICE_ID_BYTES } from './format.js';
import { createMaintenance } from './maintenance.js';
import { READ_CHUNK_BYTES, READ_MAX_ENTRY_BYTES, resolveSpoolOptions } from './options.js';
import { createDiskReader } from './reader.js';
import { recoverSpool } from './recovery.js';
import { segmentEnd, type Segment } from './segments.js';
import type { Spool, SpoolEntry, SpoolOptions, SpoolStats } from './types.js';
import { createWriter, type PendingAppend } from './writer.js';

/** An entry handed out by `read` and not yet below the watermark. */
interface Outstanding {
  lsn: number;
  appendedAt: number;
  done: boolean;
}

export async function openSpool(options: SpoolOptions): Promise<Spool> {
  const o = resolveSpoolOptions(options);
  const { logger } = options;
  const recovered = await recoverSpool({
    fs: o.fs, dir: o.dir, logger, fsync: o.fsync, maxEntryBytes: READ_MAX_ENTRY_BYTES, chunkBytes: READ_CHUNK_BYTES,
  });
  const segments: Segment[] = recovered.segments;
  const marks: AgeMarks = recovered.marks;
  const knownCorrupt = recovered.corruptRanges;

  let watermark = recovered.watermark;
  /** LSN of the next entry `read` hands out. Never below the watermark. */
  let cursor = watermark;
  /** Durable, unread entries [tailStart, durable end) kept in memory; disk reads cover [cursor, tailStart). */
  const tail = new Deque<PendingAppend>();
  let tailBytes = 0;
  let tailStart = segmentEnd(segments[segments.length - 1] as Segment);
  const outstanding = new Deque<Outstanding>();
  const byLsn = new Map<number, Outstanding>();
  /** Durable entries the cursor has not passed yet. */
  let unread = recovered.replayedEntries;
  let corruptEntries = recovered.corruptEntries;
  let corruptBytes = recovered.corruptBytes;

  let closed = false;
  let closing: Promise<void> | undefined;
  let dataWaiter: (() => void) | undefined;
  let readChain: Promise<unknown> = Promise.resolve();
  let unblockCallbacks: Array<() => void> = [];

  const durableEnd = (): number => segmentEnd(segments[segments.length - 1] as Segment);

  /** Start of the oldest segment that cannot be deleted yet: the one holding the watermark, or the active one. */
  function liveStart(): number {
    const last = segments.length - 1;
    for (let i = 0; i < last; i++) {
      const s = segments[i] as Segment;
      if (segmentEnd(s) > watermark) return s.start;
    }
    return (segments[last] as Segment).start;
  }
  const liveBytes = (): number => durableEnd() - liveStart();

  const maintenance = createMaintenance({
    fs: o.fs, dir: o.dir, fsync: o.fsync, logger, segments, watermark: () => watermark, persisted: recovered.persistedWatermark,
  });
  const reader = createDiskReader({ fs: o.fs, segments, chunkBytes: READ_CHUNK_BYTES, maxEntryBytes: READ_MAX_ENTRY_BYTES });
  const writer = createWriter({
    fs: o.fs, dir: o.dir, logger, fsync: o.fsync, segmentBytes: o.segmentBytes, retryMinMs: o.retryMinMs,
    retryMaxMs: o.retryMaxMs, onFsync: o.onFsync, segments, activeFile: recovered.activeFile,
    room: () => o.maxBytes - liveBytes(),
    onDurable,
    onStateChange: updateBlocked,
  });

  const full = (): boolean => writer.capHeld || liveBytes() >= o.maxBytes;
  const isBlocked = (): boolean => writer.faulted || full();
  let wasBlocked = isBlocked();

  function updateBlocked(): void {
    const now = isBlocked();
    if (wasBlocked && !now) {
      const callbacks = unblockCallbacks;
      unblockCallbacks = [];
      // Deferred: a callback that throws must not surface inside the writer as if the disk had failed.
      for (const cb of callbacks) queueMicrotask(cb);
    }
    wasBlocked = now;
  }

  function onDurable(batch: readonly PendingAppend[], endLsn: number): void {
    const first = batch[0];
    if (first === undefined) return;
    unread += batch.length;
    marks.offer(first.entry.lsn, first.entry.appendedAt);
    const bytes = endLsn - first.entry.lsn;
    if (tailBytes + bytes <= o.tailCacheBytes) {
      for (const p of batch) tail.push(p);
      tailBytes += bytes;
    } else {
      // The reader is far behind: let it read this stretch back from disk, and cache again from here on.
      tail.clear();
      tailBytes = 0;
      tailStart = endLsn;
    }
    wake();
    updateBlocked();
  }

  function wake(): void {
    const waiter = dataWaiter;
    dataWaiter = undefined;
    waiter?.();
  }

  function handOut(entry: SpoolEntry, size: number): void {
    const record: Outstanding = { lsn: entry.lsn, appendedAt: entry.appendedAt, done: false };
    if (outstanding.length === 0) setWatermark(entry.lsn); // skips over damage and gaps behind the cursor
    outstanding.push(record);
    byLsn.set(entry.lsn, record);
    cursor = entry.lsn + size;
    unread = Math.max(0, unread - 1);
  }

  function takeFromTail(maxEntries: number, maxBytes: number): SpoolEntry[] {
    const out: SpoolEntry[] = [];
    let bytes = 0;
    for (let p = tail.peek(); p !== undefined && out.length < maxEntries; p = tail.peek()) {
      const payload = p.buf.length - ENTRY_OVERHEAD;
      if (out.length > 0 && bytes + payload > maxBytes) break;
      tail.shift();
      tailBytes -= p.buf.length;
      handOut(p.entry, p.buf.length);
      out.push(p.entry);
      bytes += payload;
    }
    tailStart = tail.peek()?.entry.lsn ?? durableEnd();
    return out;
  }

  async function readNext(maxEntries: number, maxBytes: number): Promise<SpoolEntry[]> {
    const max = Math.max(1, Math.floor(maxEntries));
    while (!closed) {
      if (cursor < tailStart) {
        const got = await reader.read(cursor, tailStart, max, maxBytes);
        if (closed) return [];
        for (const c of got.corrupt) noteCorruption(c.lsn, c.length, c.entries);
        const out: SpoolEntry[] = [];
        for (const { entry, size } of got.entries) {
          handOut(entry, size);
          out.push(entry);
        }
        if (got.next > cursor) cursor = got.next;
        if (cursor >= durableEnd()) unread = 0;
        if (out.length > 0) return out;
        continue;
      }
      if (tail.length > 0) return takeFromTail(max, maxBytes);
      await new Promise<void>((resolve) => (dataWaiter = resolve));
    }
    return [];
  }

  function noteCorruption(lsn: number, length: number, entries: number): void {
    if (knownCorrupt.get(lsn) === lsn + length) {
      knownCorrupt.delete(lsn); // counted and logged by recovery already
      return;
    }
    corruptEntries += entries;
    corruptBytes += length;
    unread = Math.max(0, unread - entries);
    logger.warn(
      { lsn, bytes: length, entries, code: 'SPOOL_CORRUPT' },
      'spool: skipped corrupt data while reading the backlog (checksum mismatch)',
    );
  }

  function setWatermark(w: number): void {
    if (w <= watermark) return;
    watermark = w;
    const oldest = segments[0];
    if (segments.length > 1 && oldest !== undefined && segmentEnd(oldest) <= w) maintenance.request();
    writer.kick();
    updateBlocked();
  }

  const timer = setInterval(() => {
    if (maintenance.dirty) maintenance.request();
  }, o.checkpointIntervalMs);
  timer.unref();

  logger.info(
    {
      dir: o.dir, segments: segments.length, watermark, replayEntries: recovered.replayedEntries, replayBytes: durableEnd() - watermark,
      corruptEntries, corruptBytes, maxBytes: o.maxBytes, segmentBytes: o.segmentBytes, fsync: o.fsync,
    },
    'spool opened',
  );

  return {
    append(deviceId, data) {
      if (closed) return Promise.reject(new SpoolError('SPOOL_CLOSED', 'the spool is closed'));
      const idBytes = Buffer.byteLength(deviceId, 'utf8');
      const size = entrySize(idBytes, data.length);
      if (idBytes > MAX_DEVICE_ID_BYTES || size > o.maxEntryBytes) {
        const message = `spool entry of ${size} bytes exceeds the limit of ${o.maxEntryBytes} (segmentBytes)`;
        return Promise.reject(new SpoolError('SPOOL_TOO_LARGE', message));
      }
      const appendedAt = o.now();
      const buf = encodeEntry(deviceId, data, appendedAt, idBytes);
      // `data` is a view of our own encoded copy: the caller may reuse its buffer once append returns.
      const entry: SpoolEntry = { lsn: -1, deviceId, data: buf.subarray(size - data.length), appendedAt };
      return new Promise<number>((resolve, reject) => writer.enqueue({ buf, entry, resolve, reject }));
    },
    get blocked() {
      return isBlocked();
    },
    whenUnblocked(cb) {
      if (isBlocked()) unblockCallbacks.push(cb);
      else queueMicrotask(cb);
    },
    read(maxEntries, maxBytes) {
      if (closed) return Promise.resolve([]);
      const next = readChain.then(() => readNext(maxEntries, maxBytes));
      // The caller gets the error through `next`; the chain only orders the reads and must survive one failing.
      readChain = next.catch(() => undefined);
      return next;
    },
    markDone(lsn) {
      const record = byLsn.get(lsn);
      if (record === undefined) return;
      byLsn.delete(lsn);
      record.done = true;
      if (outstanding.peek() !== record) return;
      while (outstanding.peek()?.done === true) outstanding.shift();
      setWatermark(outstanding.peek()?.lsn ?? cursor);
    },
    stats(): SpoolStats {
      let oldestAppendedAt = outstanding.peek()?.appendedAt;
      if (oldestAppendedAt === undefined && cursor < durableEnd()) {
        oldestAppendedAt = cursor === tailStart ? tail.peek()?.entry.appendedAt : marks.at(cursor);
      }
      return {
        bytes: liveBytes(),
        entries: byLsn.size + unread,
        oldestAppendedAt,
        replayedEntries: recovered.replayedEntries,
        corruptEntries,
        corruptBytes,
        segments: segments.length,
        full: full(),
        error: writer.error ?? maintenance.error,
      };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        wake();
        // Whoever waits to append again learns now that appends are over (they reject with SPOOL_CLOSED).
        for (const cb of unblockCallbacks.splice(0)) queueMicrotask(cb);
        await writer.close();
        await readChain;
        try {
          await reader.close();
        } catch (err) {
          logger.warn({ err }, 'spool: closing a segment opened for reading failed');
        }
        await maintenance.close();
        logger.info({ dir: o.dir, watermark, persisted: maintenance.persisted, entries: byLsn.size + unread }, 'spool closed');
      })();
      return closing;
    },
  };
}
