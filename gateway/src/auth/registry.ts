import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../../common/logger.js';
import { emptyRegistry, parseRegistry, readRegistryFile, type DeviceRecord, type RegistryDocument } from './registry-file.js';

/**
 * The gateway's live view of the device registry file. It follows changes the CLI makes while the gateway runs:
 * a directory watch reloads the file soon after it is replaced, and `refresh()` (called before every credential
 * check) compares the file's identity (inode, size, mtime) with the loaded one, so a revoked or rotated device is
 * never served from a stale snapshot even when a watch event is late or lost.
 */
export interface DeviceRegistry {
  readonly path: string;
  /** The device's record in the current snapshot. */
  get(deviceId: string): DeviceRecord | undefined;
  /** Brings the snapshot up to date with the file (one stat; a reload only when it changed). Concurrent calls share. */
  refresh(): Promise<void>;
  /** Devices in the snapshot (revoked ones included). */
  readonly size: number;
  /** Called after each reload that changed the snapshot. */
  onChange(listener: () => void): void;
  close(): void;
}

export interface DeviceRegistryOptions {
  path: string;
  logger: Logger;
  /** Watch the directory for changes. Default true. */
  watch?: boolean;
}

function identityOf(st: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export function openDeviceRegistry(options: DeviceRegistryOptions): DeviceRegistry {
  const { path, logger } = options;
  let doc: RegistryDocument = readRegistryFile(path); // a broken file at startup is a startup error
  let loadedIdentity = 'unknown';
  let refreshing: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let reportedBroken: string | undefined;
  const listeners: (() => void)[] = [];

  async function currentIdentity(): Promise<string> {
    try {
      return identityOf(await stat(path, { bigint: true }));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
  }

  async function reloadIfChanged(): Promise<void> {
    const identity = await currentIdentity();
    if (identity === loadedIdentity) return;
    let next: RegistryDocument;
    if (identity === 'missing') next = emptyRegistry();
    else {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        text = '';
      }
      try {
        next = text === '' ? emptyRegistry() : parseRegistry(text, path);
      } catch (err) {
        // Keep serving the last good snapshot; a file the CLI writes is never partial (atomic rename).
        if (reportedBroken !== identity) {
          reportedBroken = identity;
          logger.error({ path, err: (err as Error).message }, 'device registry file is invalid; keeping the previous version');
        }
        return;
      }
    }
    // If the file was replaced between the stat and the read, the next refresh sees a new identity and reloads.
    loadedIdentity = identity;
    doc = next;
    reportedBroken = undefined;
    logger.info({ path, devices: Object.keys(doc.devices).length }, 'device registry loaded');
    for (const l of listeners) l();
  }

  function refresh(): Promise<void> {
    if (closed) return Promise.resolve();
    if (refreshing !== undefined) {
      // A change may have happened after the running check's stat: check once more after it.
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        do {
          again = false;
          await reloadIfChanged();
        } while (again);
      } catch (err) {
        logger.error({ path, err: (err as Error).message }, 'device registry could not be checked');
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (options.watch ?? true) {
    try {
      const name = basename(path);
      watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        if (debounce !== undefined) return;
        debounce = setTimeout(() => {
          debounce = undefined;
          void refresh();
        }, 20);
      });
      watcher.on('error', () => undefined);
    } catch (err) {
      logger.warn({ path, err: (err as Error).message }, 'cannot watch the device registry directory; changes are picked up at the next login');
    }
  }
  // Record the identity of what was loaded synchronously above.
  void refresh();

  return {
    path,
    get(deviceId) {
      return Object.hasOwn(doc.devices, deviceId) ? doc.devices[deviceId] : undefined;
    },
    refresh,
    get size() {
      return Object.keys(doc.devices).length;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    close() {
      closed = true;
      if (debounce !== undefined) clearTimeout(debounce);
      watcher?.close();
    },
  };
}
