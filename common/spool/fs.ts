/**
 * The file-system calls the spool makes, as an interface so tests can inject faults (ENOSPC on a write, EIO on
 * an fdatasync) that a real disk never produces on demand. `node:fs/promises` satisfies it as is.
 */
import * as fsp from 'node:fs/promises';

/** An open file: the subset of `FileHandle` the spool uses. All positions are explicit (no file cursor). */
export interface SpoolFile {
  writev(buffers: readonly NodeJS.ArrayBufferView[], position: number): Promise<{ bytesWritten: number }>;
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface SpoolFs {
  /** `flags` as in `fs.open`: the spool uses 'r', 'r+' and 'w'. */
  open(path: string, flags: string): Promise<SpoolFile>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  stat(path: string): Promise<{ size: number; isFile(): boolean }>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeFs: SpoolFs = {
  open: (path, flags) => fsp.open(path, flags),
  readdir: (path) => fsp.readdir(path),
  mkdir: (path, options) => fsp.mkdir(path, options),
  stat: (path) => fsp.stat(path),
  readFile: (path) => fsp.readFile(path),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
};

/**
 * Makes a directory's entries durable (a created, renamed or deleted file). Without it a crash can lose a new
 * segment's name even though its data was fdatasync'd.
 */
export async function syncDirectory(fs: SpoolFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `buffers` at `position`, continuing after short writes; a write that makes no progress throws. */
export async function writeAll(file: SpoolFile, buffers: readonly Buffer[], position: number): Promise<number> {
  let total = 0;
  for (const b of buffers) total += b.length;
  let written = 0;
  let rest: readonly Buffer[] = buffers;
  while (written < total) {
    const { bytesWritten } = await file.writev(rest, position + written);
    if (bytesWritten <= 0) {
      throw Object.assign(new Error(`EIO: short write (${written} of ${total} bytes), write`), { code: 'EIO' });
    }
    written += bytesWritten;
    if (written < total) rest = skipBytes(rest, bytesWritten);
  }
  return total;
}

function skipBytes(buffers: readonly Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
