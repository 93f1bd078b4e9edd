import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { nodeFs, openSpool } from '../../common/spool/index.js';
import type { SpoolEntry, SpoolFile, SpoolFs } from '../../common/spool/index.js';
import {
  captureLogger,
  cleanups,
  hundred,
  open,
  readN,
  runCleanups,
  segmentFiles,
  sleep,
  tempDir,
  text,
  track,
  waitFor,
  withTimeout,
} from '../support/spool-harness.js';

// The spool under back-pressure (its size cap, a backlog larger than its memory tail), injected I/O faults and
// SIGKILL. Its format, rotation and recovery at open: spool.test.ts.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CRASH_CHILD = join(ROOT, 'test', 'support', 'spool-crash-child.ts');

afterEach(runCleanups);

describe('spool under pressure, faults and crashes', () => {
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
