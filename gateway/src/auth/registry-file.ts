import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { isValidDeviceId } from '../ingest/topic.js';
import { isSecretHash, type SecretHash } from './secret-hash.js';

/**
 * The device registry file: JSON, written only by replacing it atomically (temporary file in the same directory,
 * fsync, rename, fsync of the directory) with mode 0600, so a reader never sees half a file. Writers serialise on
 * a lock file next to it (`<file>.lock`, created exclusively).
 */
export const REGISTRY_FORMAT = 'tidegate-devices/1';

export interface DeviceRecord {
  /** Absent once revoked. */
  secret?: SecretHash;
  createdAt: string;
  updatedAt: string;
  revokedAt?: string;
  metadata?: Record<string, string>;
}

export interface RegistryDocument {
  format: typeof REGISTRY_FORMAT;
  devices: Record<string, DeviceRecord>;
}

export class RegistryFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryFileError';
  }
}

export function emptyRegistry(): RegistryDocument {
  return { format: REGISTRY_FORMAT, devices: {} };
}

/** Parses and validates a registry document; throws {@link RegistryFileError} naming what is wrong (never a secret). */
export function parseRegistry(text: string, path: string): RegistryDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RegistryFileError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || (doc as Record<string, unknown>)['format'] !== REGISTRY_FORMAT) {
    throw new RegistryFileError(`${path}: not a device registry (expected "format": "${REGISTRY_FORMAT}")`);
  }
  const devices = (doc as Record<string, unknown>)['devices'];
  if (typeof devices !== 'object' || devices === null || Array.isArray(devices)) {
    throw new RegistryFileError(`${path}: "devices" must be an object keyed by device id`);
  }
  const out: Record<string, DeviceRecord> = Object.create(null) as Record<string, DeviceRecord>;
  for (const [id, raw] of Object.entries(devices as Record<string, unknown>)) {
    if (!isValidDeviceId(id)) throw new RegistryFileError(`${path}: "${id.slice(0, 140)}" is not a valid device id`);
    if (typeof raw !== 'object' || raw === null) throw new RegistryFileError(`${path}: device ${id} is not an object`);
    const r = raw as Record<string, unknown>;
    const revoked = typeof r['revokedAt'] === 'string';
    if (!revoked && !isSecretHash(r['secret'])) throw new RegistryFileError(`${path}: device ${id} has no valid secret hash`);
    const metadata = r['metadata'];
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'string'))) {
      throw new RegistryFileError(`${path}: device ${id}: metadata must map names to strings`);
    }
    out[id] = {
      ...(isSecretHash(r['secret']) && !revoked ? { secret: r['secret'] } : {}),
      createdAt: typeof r['createdAt'] === 'string' ? r['createdAt'] : '',
      updatedAt: typeof r['updatedAt'] === 'string' ? r['updatedAt'] : '',
      ...(revoked ? { revokedAt: r['revokedAt'] as string } : {}),
      ...(metadata === undefined ? {} : { metadata: { ...(metadata as Record<string, string>) } }),
    };
  }
  return { format: REGISTRY_FORMAT, devices: out };
}

/** Reads the registry; a missing file is an empty registry. */
export function readRegistryFile(path: string): RegistryDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
    throw new RegistryFileError(`${path}: cannot read (${(err as Error).message})`, { cause: err });
  }
  return parseRegistry(text, path);
}

/** Replaces the registry file atomically, mode 0600. */
export function writeRegistryFile(path: string, doc: RegistryDocument): void {
  writeFileAtomically(path, JSON.stringify(doc, null, 2) + '\n');
}

/**
 * A file written next to `path` (temporary name, mode 0600, fsynced) and not yet in place: `commit()` renames it
 * over `path` and fsyncs the directory; `discard()` removes it. Either may be called once.
 */
export interface PreparedFile {
  commit(): void;
  discard(): void;
}

export function prepareFile(path: string, text: string): PreparedFile {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  return {
    commit() {
      try {
        renameSync(tmp, path);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      fsyncDirectory(dir);
    },
    discard() {
      rmSync(tmp, { force: true });
    },
  };
}

/** Replaces `path` with `text` atomically (temporary file, fsync, rename, fsync of the directory), mode 0600. */
function writeFileAtomically(path: string, text: string): void {
  prepareFile(path, text).commit();
}

function fsyncDirectory(dir: string): void {
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is atomic.
  }
}

/**
 * Runs `fn` holding `<path>.lock` (created exclusively; a lock older than `staleMs` is taken over, since a
 * crashed writer cannot release it). Waits up to `waitMs` for another writer.
 */
export async function withRegistryLock<T>(path: string, fn: () => Promise<T> | T, options: { waitMs?: number; staleMs?: number } = {}): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  for (;;) {
    try {
      const fd = openSync(lock, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs) {
          rmSync(lock, { force: true });
          continue;
        }
      } catch {
        continue; // released meanwhile
      }
      if (Date.now() > deadline) throw new RegistryFileError(`${lock}: another writer holds the registry lock`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
