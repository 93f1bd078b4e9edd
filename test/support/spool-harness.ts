/**
 * Helpers shared by the spool's integration tests (test/integration/spool*.test.ts): temporary directories and
 * spools closed after each test, a log capture, bounded reads and waits.
 */
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { createLogger } from '../../common/logger.js';
import { openSpool } from '../../common/spool/index.js';
import type { Spool, SpoolEntry, SpoolOptions } from '../../common/spool/index.js';
import { makeTempDir } from './tmp.js';

/** What the current test opened, closed in reverse after it: register `afterEach(runCleanups)` in the file. */
export const cleanups: Array<() => Promise<void> | void> = [];

export async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

export function tempDir(): string {
  const dir = makeTempDir('tidegate-spool-');
  cleanups.push(() => dir.remove());
  return dir.path;
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export function captureLogger(): { logger: SpoolOptions['logger']; lines: LogLine[] } {
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
export async function open(options: Partial<SpoolOptions> & { dir: string }): Promise<Spool> {
  const spool = await openSpool({ logger: createLogger({ level: 'silent' }), ...options });
  cleanups.push(() => spool.close());
  return spool;
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
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
export async function readN(spool: Spool, count: number, maxEntries = 1000): Promise<SpoolEntry[]> {
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

export async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function track<T>(p: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const t = { settled: false, promise: p };
  p.then(
    () => (t.settled = true),
    () => (t.settled = true),
  );
  return t;
}

export const text = (e: SpoolEntry): string => e.data.toString();
/** Data as text, so a failing comparison shows readable strings rather than byte dumps. */
export const plain = (e: SpoolEntry): Record<string, unknown> => ({ ...e, data: text(e) });
export const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();

/** 100-byte entries (22 bytes of framing + 'dev' + 75 bytes of data), so cap arithmetic is exact. */
export const hundred = (i: number): Buffer => Buffer.from(`e${i}`.padEnd(75, '.'));
