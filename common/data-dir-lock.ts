import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GatewayError } from './errors.js';

export const LOCK_FILE = 'tidegate.lock';

/** Directories this process holds: the pid in the file cannot tell two gateways of one process apart. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data directory for this process: two gateways writing one spool or dead-letter file would corrupt
 * them. The lock file holds the owner's pid; a lock left by a process that no longer runs (a crash) is taken
 * over. Returns the release function.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const key = resolve(dir);
  if (heldHere.has(key)) {
    throw new GatewayError('GW_ERR_DATA_DIR_LOCKED', `data directory ${dir} is in use by another gateway in this process`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      heldHere.add(key);
      return () => {
        heldHere.delete(key);
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      // Our own pid in a lock we do not hold is a leftover of an earlier process that had the same pid (a
      // restarted container's pid 1), so it is stale like any dead owner's.
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new GatewayError('GW_ERR_DATA_DIR_LOCKED', `data directory ${dir} is in use by process ${owner}`, {
          detail: { hint: `stop that gateway, or use another --data-dir; delete ${path} if no gateway runs` },
        });
      }
      unlinkSync(path); // stale: its owner is gone
    }
  }
  throw new GatewayError('GW_ERR_DATA_DIR_LOCKED', `could not lock data directory ${dir}`);
}
