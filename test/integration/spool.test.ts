import { appendFileSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolEntry } from '../../common/spool/index.js';
import { captureLogger, hundred, open, plain, readN, runCleanups, segmentFiles, sleep, tempDir, text, waitFor } from '../support/spool-harness.js';

// The spool's format, rotation and recovery at open. Back-pressure, injected I/O faults and crashes:
// spool-faults.test.ts.

afterEach(runCleanups);

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
});
