import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { nodeFs, openSpool } from '../../common/spool/index.js';
import type { Spool, SpoolEntry, SpoolFile, SpoolFs, SpoolOptions } from '../../common/spool/index.js';
import { makeTempDir } from '../support/tmp.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CRASH_CHILD = join(ROOT, 'test', 'support', 'spool-crash-child.ts');

// ---- harness -------------------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = makeTempDir('tidegate-spool-');
  cleanups.push(() => dir.remove());
  return dir.path;
}

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

function captureLogger(): { logger: SpoolOptions['logger']; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Opens a spool that the test's cleanup closes (closing twice is fine). */
async function open(options: Partial<SpoolOptions> & { dir: string }): Promise<Spool> {
  const spool = await openSpool({ logger: createLogger({ level: 'silent' }), ...options });
  cleanups.push(() => spool.close());
  return spool;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads exactly `count` entries (in as many reads as it takes). */
async function readN(spool: Spool, count: number, maxEntries = 1000): Promise<SpoolEntry[]> {
  const out: SpoolEntry[] = [];
  while (out.length < count) {
    const got = await withTimeout(spool.read(maxEntries, 1 << 20), 10_000, `reading ${count} entries (have ${out.length})`);
    if (got.length === 0) throw new Error('read returned nothing');
    out.push(...got);
  }
  // The length, not the array: a failure should not dump hundreds of entries with their Buffers.
  expect(out.length).toBe(count);
  return out;
}

async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function track<T>(p: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const t = { settled: false, promise: p };
  p.then(
    () => (t.settled = true),
    () => (t.settled = true),
  );
  return t;
}

const text = (e: SpoolEntry): string => e.data.toString();
/** Data as text, so a failing comparison shows readable strings rather than byte dumps. */
const plain = (e: SpoolEntry): Record<string, unknown> => ({ ...e, data: text(e) });
const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();

/** 100-byte entries (22 bytes of framing + 'dev' + 75 bytes of data), so cap arithmetic is exact. */
const hundred = (i: number): Buffer => Buffer.from(`e${i}`.padEnd(75, '.'));

// ---- tests ---------------------------------------------------------------------------------------------------

describe('spool', () => {
  it('round-trips append → read → markDone with real fsync', async () => {
    const dir = tempDir();
    const spool = await open({ dir });
    const lsns = await Promise.all(Array.from({ length: 100 }, (_, i) => spool.append(`device-${i % 7}`, Buffer.from(`{"i":${i}}`))));
    expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
    expect(spool.stats()).toMatchObject({ entries: 100, replayedEntries: 0, corruptEntries: 0, full: false, error: undefined });
    expect(spool.stats().oldestAppendedAt).toBeTypeOf('number');

    const got = await readN(spool, 100, 30);
    expect(got.map((e) => e.lsn)).toEqual(lsns);
    expect(got.map(text)).toEqual(Array.from({ length: 100 }, (_, i) => `{"i":${i}}`));
    expect(got.map((e) => e.deviceId)).toEqual(Array.from({ length: 100 }, (_, i) => `device-${i % 7}`));
    for (const e of got) spool.markDone(e.lsn);
    expect(spool.stats()).toMatchObject({ entries: 0, oldestAppendedAt: undefined });

    const pending = spool.read(10, 1000);
    await spool.close();
    expect(await pending).toEqual([]);
    await expect(spool.append('d', Buffer.from('x'))).rejects.toMatchObject({ code: 'SPOOL_CLOSED' });

    const reopened = await open({ dir });
    expect(reopened.stats()).toMatchObject({ entries: 0, replayedEntries: 0 });
  });

  it('group-commits concurrent appends: many appends, few fsyncs', async () => {
    const dir = tempDir();
    let commits = 0;
    const spool = await open({ dir, onFsync: () => commits++ });
    // One burst in a single tick, then appends that arrive while earlier group commits are still syncing.
    const burst = Array.from({ length: 500 }, (_, i) => spool.append('dev', Buffer.from(`a${i}`)));
    const waves: Promise<number>[] = [];
    for (let w = 0; w < 5; w++) {
      await sleep(0);
      for (let i = 0; i < 100; i++) waves.push(spool.append('dev', Buffer.from(`w${w}-${i}`)));
    }
    await Promise.all([...burst, ...waves]);
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThanOrEqual(10); // 1000 appends
    const got = await readN(spool, 1000);
    expect(got.slice(0, 500).map(text)).toEqual(Array.from({ length: 500 }, (_, i) => `a${i}`));
  });

  it('rotates segments and deletes the ones wholly done', async () => {
    const dir = tempDir();
    const spool = await open({ dir, segmentBytes: 1000, maxBytes: 1 << 20 });
    await Promise.all(Array.from({ length: 95 }, (_, i) => spool.append('dev', hundred(i))));
    // 10 entries of 100 bytes per 1000-byte segment.
    expect(segmentFiles(dir)).toHaveLength(10);
    expect(segmentFiles(dir)[1]).toBe('seg-00000000000000001000.log');
    expect(spool.stats()).toMatchObject({ segments: 10, bytes: 9500 });

    const got = await readN(spool, 95, 17);
    // Done out of order: the prefix up to entry 24 is done, except entry 25..29 which are not.
    for (const e of got.slice(0, 25).reverse()) spool.markDone(e.lsn);
    for (const e of got.slice(30, 60)) spool.markDone(e.lsn);
    await waitFor(() => spool.stats().segments === 8, 'two segments deleted');
    expect(segmentFiles(dir)).toHaveLength(8);
    expect(segmentFiles(dir)[0]).toBe('seg-00000000000000002000.log');
    expect(spool.stats()).toMatchObject({ segments: 8, bytes: 7500, entries: 95 - 55 });

    for (const e of got.slice(25, 30)) spool.markDone(e.lsn);
    await waitFor(() => spool.stats().segments === 4, 'everything below entry 60 deleted');
    for (const e of got.slice(60)) spool.markDone(e.lsn);
    // The segment being written stays, even when everything in it is done.
    await waitFor(() => spool.stats().segments === 1, 'all but the active segment deleted');
    expect(segmentFiles(dir)).toEqual(['seg-00000000000000009000.log']);
    expect(spool.stats()).toMatchObject({ entries: 0, segments: 1, bytes: 500 });
  });

  it('reopens and replays exactly the entries not done (prefix rule), in order', async () => {
    const dir = tempDir();
    const spool = await open({ dir, segmentBytes: 1000 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append('dev', hundred(i))));
    const got = await readN(spool, 50, 7);
    const done = [...Array.from({ length: 10 }, (_, i) => i), 12, 15, ...Array.from({ length: 10 }, (_, i) => 20 + i)];
    for (const i of done.reverse()) spool.markDone((got[i] as SpoolEntry).lsn);
    await spool.close();

    const reopened = await open({ dir, segmentBytes: 1000 });
    // Entry 10 is the first one not done: everything from it on replays (12, 15 and 20..29 again, at least once).
    expect(reopened.stats()).toMatchObject({ replayedEntries: 40, entries: 40, corruptEntries: 0 });
    expect(reopened.stats().oldestAppendedAt).toBe((got[10] as SpoolEntry).appendedAt);
    const replay = await readN(reopened, 40, 9);
    expect(replay.map(plain)).toEqual(got.slice(10).map(plain));
    // New appends come after the replay.
    await reopened.append('dev', Buffer.from('new'));
    expect((await readN(reopened, 1)).map(text)).toEqual(['new']);
  });

  it('truncates a torn tail at open, counts it, and keeps writing', async () => {
    const dir = tempDir();
    const { logger, lines } = captureLogger();
    const spool = await open({ dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => spool.append('dev', hundred(i))));
    await spool.close();
    const [file] = segmentFiles(dir);
    const path = join(dir, file as string);
    truncateSync(path, 2000 - 7); // the last entry loses its last 7 bytes
    appendFileSync(path, Buffer.alloc(50, 0xab)); // and garbage follows, as after a crash mid-write

    const reopened = await open({ dir, logger });
    expect(reopened.stats()).toMatchObject({ replayedEntries: 19, entries: 19, corruptEntries: 1, corruptBytes: 93 + 50 });
    expect(statSync(path).size).toBe(1900);
    const torn = lines.filter((l) => l.level === 40 && String(l.msg).includes('truncated'));
    expect(torn).toHaveLength(1);
    expect(torn[0]).toMatchObject({ code: 'SPOOL_CORRUPT', bytes: 143 });

    const replay = await readN(reopened, 19);
    expect(replay.map(text)).toEqual(Array.from({ length: 19 }, (_, i) => hundred(i).toString()));
    const more = await Promise.all(Array.from({ length: 5 }, (_, i) => reopened.append('dev', hundred(100 + i))));
    expect(more[0]).toBe(1900);
    await reopened.close();

    const again = await open({ dir });
    expect(again.stats()).toMatchObject({ replayedEntries: 24, corruptEntries: 0 });
    expect((await readN(again, 24)).map(text)).toEqual([...replay.map(text), ...Array.from({ length: 5 }, (_, i) => hundred(100 + i).toString())]);
  });

  it('skips flipped bytes in the middle of a segment, counts them, and replays the rest', async () => {
    const dir = tempDir();
    const { logger, lines } = captureLogger();
    const spool = await open({ dir });
    await Promise.all(Array.from({ length: 40 }, (_, i) => spool.append('dev', hundred(i))));
    await spool.close();
    const path = join(dir, segmentFiles(dir)[0] as string);
    const content = readFileSync(path);
    content[10 * 100 + 60] = (content[10 * 100 + 60] as number) ^ 0x01; // a data byte of entry 10
    content[20 * 100 + 9] = (content[20 * 100 + 9] as number) ^ 0x80; // the CRC of entry 20
    content.fill(0, 30 * 100 + 90, 31 * 100 + 20); // the end of entry 30 and the magic/header of entry 31
    writeFileSync(path, content);

    const reopened = await open({ dir, logger });
    const stats = reopened.stats();
    expect(stats.replayedEntries).toBe(36);
    expect(stats.corruptEntries).toBeGreaterThanOrEqual(3);
    expect(stats.corruptBytes).toBe(100 + 100 + 200);
    expect(lines.filter((l) => l.code === 'SPOOL_CORRUPT' && l.level === 40)).toHaveLength(3);
    const replay = await readN(reopened, 36, 11);
    const lost = new Set([10, 20, 30, 31]);
    expect(replay.map(text)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => !lost.has(i)).map((i) => hundred(i).toString()));
    // Reading the damaged stretch back does not count it twice.
    expect(reopened.stats()).toMatchObject({ corruptEntries: stats.corruptEntries, corruptBytes: stats.corruptBytes });
  });

  it('replays from the oldest segment when the checkpoint is corrupt or missing', async () => {
    const dir = tempDir();
    const spool = await open({ dir, checkpointIntervalMs: 10 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => spool.append('dev', hundred(i))));
    const got = await readN(spool, 20);
    for (const e of got.slice(0, 10)) spool.markDone(e.lsn);
    await spool.close();

    const clean = await open({ dir });
    expect(clean.stats().replayedEntries).toBe(10);
    await clean.close();

    const checkpoint = join(dir, 'checkpoint');
    const bytes = readFileSync(checkpoint);
    bytes[9] = (bytes[9] as number) ^ 0xff;
    writeFileSync(checkpoint, bytes);
    const { logger, lines } = captureLogger();
    const afterCorrupt = await open({ dir, logger });
    expect(afterCorrupt.stats().replayedEntries).toBe(20);
    expect((await readN(afterCorrupt, 20)).map(text)).toEqual(got.map(text));
    expect(lines.some((l) => String(l.msg).includes('checkpoint is corrupt'))).toBe(true);
    await afterCorrupt.close();

    rmSync(checkpoint);
    const afterMissing = await open({ dir });
    expect(afterMissing.stats().replayedEntries).toBe(20);
    expect((await readN(afterMissing, 20)).map(text)).toEqual(got.map(text));
  });

  it('holds appends at the size cap until markDone frees a segment', async () => {
    const dir = tempDir();
    // 5 entries of 100 bytes per segment, 4 segments' worth under the cap.
    const spool = await open({ dir, segmentBytes: 512, maxBytes: 2048 });
    const appends = Array.from({ length: 25 }, (_, i) => track(spool.append('dev', hundred(i))));
    await Promise.all(appends.slice(0, 20).map((a) => a.promise));
    await sleep(50); // a chance for the held ones to (wrongly) get through
    expect(appends.slice(20).map((a) => a.settled)).toEqual([false, false, false, false, false]);
    expect(spool.blocked).toBe(true);
    expect(spool.stats()).toMatchObject({ full: true, bytes: 2000, entries: 20, error: undefined });
    let unblocked = 0;
    spool.whenUnblocked(() => unblocked++);

    const got = await readN(spool, 20);
    for (const e of got.slice(0, 4)) spool.markDone(e.lsn);
    await sleep(50);
    expect(appends[20]?.settled).toBe(false); // the first segment still holds entry 4
    expect(unblocked).toBe(0);

    spool.markDone((got[4] as SpoolEntry).lsn);
    await Promise.all(appends.slice(20).map((a) => a.promise));
    await waitFor(() => unblocked === 1, 'the unblock callback');
    expect(spool.blocked).toBe(false);
    expect(spool.stats()).toMatchObject({ full: false, bytes: 2000 });
    await waitFor(() => spool.stats().segments === 4, 'the done segment deleted');
    expect(segmentFiles(dir)[0]).toBe('seg-00000000000000000500.log');
    expect((await readN(spool, 5)).map(text)).toEqual(Array.from({ length: 5 }, (_, i) => hundred(20 + i).toString()));

    // Held appends that never got room are rejected at close, not silently dropped or acknowledged.
    const stuck = spool.append('dev', hundred(99));
    const rejected = stuck.then(
      () => undefined,
      (err: unknown) => err,
    );
    await waitFor(() => spool.blocked, 'blocked again');
    await spool.close();
    expect(await rejected).toMatchObject({ code: 'SPOOL_CLOSED' });
  });

  it('reads a backlog larger than the memory tail back from disk, in order, while appends continue', async () => {
    const dir = tempDir();
    const spool = await open({ dir, fsync: false, segmentBytes: 4096, tailCacheBytes: 1000 });
    const total = 3000;
    const appended: Promise<number>[] = [];
    const writer = (async () => {
      for (let i = 0; i < total; i += 50) {
        for (let j = i; j < i + 50; j++) appended.push(spool.append(`d${j % 3}`, Buffer.from(`n${j}`)));
        await sleep(0);
      }
    })();
    const got: SpoolEntry[] = [];
    while (got.length < total) {
      const batch = await withTimeout(spool.read(37, 1 << 20), 10_000, 'backlog read');
      got.push(...batch);
      for (const e of batch) if (e.lsn % 3 === 0) spool.markDone(e.lsn);
      if (got.length % 5 === 0) await sleep(1);
    }
    await writer;
    const lsns = await Promise.all(appended);
    expect(got.map(text)).toEqual(Array.from({ length: total }, (_, i) => `n${i}`));
    expect(got.map((e) => e.lsn)).toEqual(lsns);
  });

  for (const fault of ['write', 'datasync'] as const) {
    it(`holds appends through an injected ${fault === 'write' ? 'ENOSPC on write' : 'EIO on fdatasync'} and recovers without loss or duplicates`, async () => {
      const dir = tempDir();
      const faults: Faults = {};
      const { logger, lines } = captureLogger();
      const spool = await open({ dir, logger, fs: faultyFs(faults), retryMinMs: 5, retryMaxMs: 20, segmentBytes: 1000 });
      const expected: string[] = [];
      const append = (i: number): ReturnType<typeof track<number>> => {
        expected.push(`x${i}`);
        return track(spool.append('dev', Buffer.from(`x${i}`)));
      };
      await Promise.all(Array.from({ length: 10 }, (_, i) => append(i).promise));

      faults[fault] = fault === 'write' ? 'ENOSPC' : 'EIO';
      const held = Array.from({ length: 10 }, (_, i) => append(10 + i));
      await waitFor(() => spool.stats().error !== undefined, 'the error in stats');
      expect(spool.blocked).toBe(true);
      expect(spool.stats().error).toContain(faults[fault]);
      let unblocked = false;
      spool.whenUnblocked(() => (unblocked = true));
      await waitFor(() => (faults.failures ?? 0) >= 4, 'several failed retries');
      held.push(...Array.from({ length: 40 }, (_, i) => append(20 + i))); // enough to need a new segment
      await sleep(20);
      expect(held.some((a) => a.settled)).toBe(false);

      delete faults[fault];
      const lsns = await withTimeout(Promise.all(held.map((a) => a.promise)), 10_000, 'held appends');
      await waitFor(() => unblocked, 'unblocked');
      expect(spool.stats().error).toBeUndefined();
      expect(lines.filter((l) => l.level === 50 && String(l.msg).startsWith('spool write failed'))).toHaveLength(1);
      expect(lines.filter((l) => String(l.msg).startsWith('spool write recovered'))).toHaveLength(1);

      const got = await readN(spool, 60);
      expect(got.map(text)).toEqual(expected);
      expect(got.slice(10).map((e) => e.lsn)).toEqual(lsns);
      await spool.close();

      // On disk too: the partial writes were cut off, nothing is doubled.
      const reopened = await open({ dir });
      expect(reopened.stats()).toMatchObject({ replayedEntries: 60, corruptEntries: 0, corruptBytes: 0 });
      expect((await readN(reopened, 60)).map(text)).toEqual(expected);
    });
  }

  it('holds appends when a new segment cannot be created, and rotates once it can', async () => {
    const dir = tempDir();
    const faults: Faults = {};
    const spool = await open({ dir, fs: faultyFs(faults), retryMinMs: 5, retryMaxMs: 20, segmentBytes: 256 });
    // 27-byte entries: 9 fill the first segment, the 10th needs a new one.
    await Promise.all(Array.from({ length: 9 }, (_, i) => spool.append('dev', Buffer.from(`x${i}`))));
    faults.open = 'ENOSPC';
    const held = Array.from({ length: 11 }, (_, i) => track(spool.append('dev', Buffer.from(`x${9 + i}`))));
    await waitFor(() => (faults.failures ?? 0) >= 3, 'failed rotations');
    expect(spool.blocked).toBe(true);
    expect(spool.stats().error).toContain('ENOSPC');
    expect(held.some((a) => a.settled)).toBe(false);
    delete faults.open;
    await withTimeout(Promise.all(held.map((a) => a.promise)), 10_000, 'held appends');
    expect(spool.blocked).toBe(false);
    expect(segmentFiles(dir)).toEqual(['seg-00000000000000000000.log', 'seg-00000000000000000243.log', 'seg-00000000000000000494.log']); // x10 on: 28 bytes
    expect((await readN(spool, 20)).map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `x${i}`));
  });

  it('throws SPOOL_IO on a real I/O error at open, and rejects oversized entries', async () => {
    const dir = tempDir();
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    await expect(openSpool({ dir: notADir, logger: createLogger({ level: 'silent' }) })).rejects.toMatchObject({ code: 'SPOOL_IO' });

    const spool = await open({ dir: join(dir, 'spool'), segmentBytes: 1024, maxBytes: 1 << 20 });
    await expect(spool.append('dev', Buffer.alloc(1024))).rejects.toMatchObject({ code: 'SPOOL_TOO_LARGE' });
    await expect(spool.append('d'.repeat(70_000), Buffer.alloc(1))).rejects.toMatchObject({ code: 'SPOOL_TOO_LARGE' });
    expect(await spool.append('dev', Buffer.alloc(1024 - 25))).toBe(0); // exactly one segment
  });

  it('leaves foreign files alone and removes an empty segment that overlaps the previous one', async () => {
    const dir = tempDir();
    const spool = await open({ dir });
    await Promise.all(Array.from({ length: 10 }, (_, i) => spool.append('dev', hundred(i))));
    await spool.close();
    writeFileSync(join(dir, 'seg-00000000000000000500.log'), ''); // as a rotation that failed half-way could leave
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const reopened = await open({ dir });
    expect(reopened.stats()).toMatchObject({ replayedEntries: 10, segments: 1, corruptEntries: 0 });
    expect(readdirSync(dir).sort()).toEqual(['checkpoint', 'notes.txt', 'seg-00000000000000000000.log']);
    expect(await reopened.append('dev', hundred(10))).toBe(1000);
    expect((await readN(reopened, 11)).map(text)).toEqual(Array.from({ length: 11 }, (_, i) => hundred(i).toString()));
  });

  it('loses no durable entry when the process is SIGKILLed at random moments', async () => {
    const dir = tempDir();
    const durable = new Map<number, number>(); // n → lsn, as printed by the child after the append resolved
    const done = new Set<number>();
    // Round 1 leaves a backlog (every 500th entry never done), so round 2 replays from disk while it appends.
    const holdEvery = [0, 500, 0];
    for (let round = 0; round < holdEvery.length; round++) {
      const lines = await runCrashChild(dir, round * 1_000_000, holdEvery[round] ?? 0, 200 + Math.floor(Math.random() * 3000));
      let appended = 0;
      for (const line of lines) {
        const [kind, n, lsn] = line.split(' ');
        if (kind === 'A') {
          durable.set(Number(n), Number(lsn));
          appended++;
        } else if (kind === 'D') {
          done.add(Number(n));
        }
      }
      expect(appended).toBeGreaterThan(0);

      const spool = await openSpool({ dir, logger: createLogger({ level: 'silent' }) });
      try {
        const count = spool.stats().entries;
        if ((holdEvery[round] ?? 0) > 0) expect(count).toBeGreaterThan(0);
        const replay = count === 0 ? [] : await readN(spool, count);
        const numbers = replay.map((e) => Number(text(e).slice('entry-'.length)));
        for (let i = 1; i < replay.length; i++) {
          expect(numbers[i]).toBeGreaterThan(numbers[i - 1] as number);
          expect((replay[i] as SpoolEntry).lsn).toBeGreaterThan((replay[i - 1] as SpoolEntry).lsn);
        }
        replay.forEach((e, i) => {
          const n = numbers[i] as number;
          expect(text(e)).toBe(`entry-${n}`);
          expect(e.deviceId).toBe(`dev-${n % 10}`);
          if (durable.has(n)) expect(e.lsn).toBe(durable.get(n));
        });
        const replayed = new Set(numbers);
        const missing = [...durable.keys()].filter((n) => !done.has(n) && !replayed.has(n));
        expect(missing, `round ${round}: durable entries missing after the crash`).toEqual([]);
      } finally {
        await spool.close();
      }
    }
  });
});

// ---- fault injection -----------------------------------------------------------------------------------------

interface Faults {
  /** Creating a new segment file fails (the rotation path). */
  open?: string;
  write?: string;
  datasync?: string;
  /** Injected failures so far. */
  failures?: number;
}

function errno(code: string, syscall: string): Error {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error' };
  return Object.assign(new Error(`${code}: ${messages[code] ?? 'injected'}, ${syscall}`), { code, syscall });
}

/** node:fs/promises, except that segment writes / syncs fail while `faults` says so. */
function faultyFs(faults: Faults): SpoolFs {
  const fail = (code: string, syscall: string): Error => {
    faults.failures = (faults.failures ?? 0) + 1;
    return errno(code, syscall);
  };
  return {
    ...nodeFs,
    async open(path, flags) {
      if (faults.open !== undefined && flags === 'w' && path.includes('seg-')) throw fail(faults.open, 'open');
      const file = await nodeFs.open(path, flags);
      if (!path.includes('seg-')) return file;
      const wrapped: SpoolFile = {
        async writev(buffers, position) {
          if (faults.write !== undefined) {
            // Like a real ENOSPC mid-writev: part of the batch reaches the file first.
            const first = buffers[0] as Buffer;
            await file.write(first, 0, Math.ceil(first.length / 2), position);
            throw fail(faults.write, 'write');
          }
          return file.writev(buffers, position);
        },
        write: (b, o, l, p) => file.write(b, o, l, p),
        read: (b, o, l, p) => file.read(b, o, l, p),
        async datasync() {
          if (faults.datasync !== undefined) throw fail(faults.datasync, 'fdatasync');
          return file.datasync();
        },
        sync: () => file.sync(),
        truncate: (len) => file.truncate(len),
        close: () => file.close(),
      };
      return wrapped;
    },
  };
}

// ---- crash child ---------------------------------------------------------------------------------------------

/** Runs the crash child until it reported `killAfter` durable appends (plus a random moment), SIGKILLs it, returns its lines. */
async function runCrashChild(dir: string, first: number, holdEvery: number, killAfter: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CRASH_CHILD, dir, String(first), String(holdEvery)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  let appended = 0;
  let killTimer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.on('data', (d: Buffer) => {
    const chunk = d.toString();
    stdout += chunk;
    appended += chunk.split('\n').filter((l) => l.startsWith('A ')).length;
    if (appended >= killAfter && killTimer === undefined) {
      killTimer = setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 30));
    }
  });
  const result = await withTimeout(closed, 30_000, `crash child (stderr: ${stderr})`);
  expect(result.signal, `child exited by itself: ${stderr}`).toBe('SIGKILL');
  expect(existsSync(dir)).toBe(true);
  // The kill may cut the last line short: keep complete lines only.
  return stdout.split('\n').slice(0, -1);
}
