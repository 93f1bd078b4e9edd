/**
 * The checkpoint: the done-watermark (every entry below this LSN was accepted downstream), so a restart replays
 * only what is not done. 20 bytes: magic "TGCK" | version u32 | watermark u64 | CRC-32 of the first 16 bytes.
 * Written to a temporary file, fsync'd and renamed over the old one (then the directory fsync'd), so a crash
 * leaves either the old or the new checkpoint, never a torn one. The CRC still guards against a damaged disk.
 */
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { errnoCode, SpoolError } from './errors.js';
import { syncDirectory, type SpoolFs } from './fs.js';

export const CHECKPOINT_FILE = 'checkpoint';
export const CHECKPOINT_TEMP_FILE = 'checkpoint.tmp';
const MAGIC = 0x4b434754; // "TGCK" little-endian
const VERSION = 1;
const SIZE = 20;

export function encodeCheckpoint(watermark: number): Buffer {
  const buf = Buffer.alloc(SIZE);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(VERSION, 4);
  buf.writeBigUInt64LE(BigInt(watermark), 8);
  buf.writeUInt32LE(crc32(buf.subarray(0, 16)), 16);
  return buf;
}

export type CheckpointRead =
  | { kind: 'ok'; watermark: number }
  | { kind: 'missing' }
  | { kind: 'corrupt'; reason: string };

export function decodeCheckpoint(buf: Buffer): CheckpointRead {
  if (buf.length !== SIZE) return { kind: 'corrupt', reason: `size ${buf.length}, expected ${SIZE}` };
  if (buf.readUInt32LE(0) !== MAGIC) return { kind: 'corrupt', reason: 'bad magic' };
  if (crc32(buf.subarray(0, 16)) !== buf.readUInt32LE(16)) return { kind: 'corrupt', reason: 'checksum mismatch' };
  if (buf.readUInt32LE(4) !== VERSION) return { kind: 'corrupt', reason: `unknown version ${buf.readUInt32LE(4)}` };
  const watermark = buf.readBigUInt64LE(8);
  if (watermark > BigInt(Number.MAX_SAFE_INTEGER)) return { kind: 'corrupt', reason: 'watermark out of range' };
  return { kind: 'ok', watermark: Number(watermark) };
}

/** Reads the checkpoint. Bad content is reported, not thrown; an I/O error other than ENOENT throws SPOOL_IO. */
export async function readCheckpoint(fs: SpoolFs, dir: string): Promise<CheckpointRead> {
  const path = join(dir, CHECKPOINT_FILE);
  let buf: Buffer;
  try {
    buf = await fs.readFile(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { kind: 'missing' };
    throw new SpoolError('SPOOL_IO', `cannot read the spool checkpoint ${path}`, { cause: err });
  }
  return decodeCheckpoint(buf);
}

/** Durably replaces the checkpoint. `sync` false skips the fsyncs (tests of logic only). */
export async function writeCheckpoint(fs: SpoolFs, dir: string, watermark: number, sync: boolean): Promise<void> {
  const temp = join(dir, CHECKPOINT_TEMP_FILE);
  const handle = await fs.open(temp, 'w');
  try {
    const buf = encodeCheckpoint(watermark);
    const { bytesWritten } = await handle.write(buf, 0, buf.length, 0);
    if (bytesWritten !== buf.length) {
      throw Object.assign(new Error(`EIO: short checkpoint write (${bytesWritten} bytes), write`), { code: 'EIO' });
    }
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, join(dir, CHECKPOINT_FILE));
  if (sync) await syncDirectory(fs, dir);
}
