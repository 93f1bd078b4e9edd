import { createHmac, randomBytes } from 'node:crypto';
import type { DeviceRegistry } from './registry.js';
import { verifySecret } from './secret-hash.js';

/**
 * What any transport needs to authenticate a device by its secret (MQTT CONNECT, HTTP ingest).
 * `verify` resolves true only for a registered, unrevoked device presenting its current secret.
 */
export interface DeviceAuthenticator {
  verify(deviceId: string, secret: string): Promise<boolean>;
}

/** Outcome of a credential check, for metrics and logs (never shown to the client, which only learns "refused"). */
export type VerifyOutcome = 'ok' | 'unknown_device' | 'revoked' | 'bad_credentials' | 'auth_overloaded';

export interface DeviceVerifier extends DeviceAuthenticator {
  check(deviceId: string, secret: string | Buffer): Promise<VerifyOutcome>;
  /**
   * A tag of the device's current credential (changes on rotate and revoke), or undefined when it has none; a
   * session remembers the tag it authenticated with, to be closed when the credential changes.
   */
  credentialTag(deviceId: string): string | undefined;
  readonly stats: { cacheEntries: number; cacheHits: number; hashes: number; pending: number };
}

export interface DeviceVerifierOptions {
  registry: DeviceRegistry;
  /** Successful verifications remembered (LRU). Default 10,000; 0 disables the cache. */
  cacheSize?: number;
  /** scrypt computations running at once (they share libuv's thread pool with file I/O). Default 2. */
  maxConcurrentHashes?: number;
  /** Verifications waiting for a hash slot before new ones are refused as overloaded. Default 2,000. */
  maxQueuedHashes?: number;
}

/**
 * Checks device secrets against the registry: scrypt with the stored parameters, constant-time comparison, and a
 * bounded LRU cache of successful checks keyed by device id and an HMAC of the presented secret (under a random
 * per-process key), valid only while the device's credential is unchanged, so a rotate or revoke takes effect at
 * the next check. Identical checks in flight share one computation; hashing is bounded so a flood of bad logins
 * cannot monopolise the thread pool.
 */
export function createDeviceVerifier(options: DeviceVerifierOptions): DeviceVerifier {
  const { registry } = options;
  const cacheSize = options.cacheSize ?? 10_000;
  const maxConcurrent = options.maxConcurrentHashes ?? 2;
  const maxQueued = options.maxQueuedHashes ?? 2_000;
  const cacheKey = randomBytes(32);
  /** key → credential tag it was verified against. Map order = recency. */
  const cache = new Map<string, string>();
  const inFlight = new Map<string, Promise<boolean>>();
  const queue: (() => void)[] = [];
  let running = 0;
  let cacheHits = 0;
  let hashes = 0;

  function tagOf(deviceId: string): string | undefined {
    const record = registry.get(deviceId);
    if (record === undefined || record.revokedAt !== undefined || record.secret === undefined) return undefined;
    return record.secret.salt;
  }

  function keyOf(deviceId: string, secret: string | Buffer): string {
    return deviceId + '\0' + createHmac('sha256', cacheKey).update(secret).digest('base64');
  }

  async function withHashSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= maxConcurrent) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  }

  async function check(deviceId: string, secret: string | Buffer): Promise<VerifyOutcome> {
    await registry.refresh();
    const record = registry.get(deviceId);
    if (record === undefined) return 'unknown_device';
    if (record.revokedAt !== undefined || record.secret === undefined) return 'revoked';
    const stored = record.secret;
    const tag = stored.salt;
    const key = keyOf(deviceId, secret);
    if (cacheSize > 0) {
      const cached = cache.get(key);
      if (cached !== undefined) {
        cache.delete(key);
        if (cached === tag) {
          cache.set(key, cached);
          cacheHits++;
          return 'ok';
        }
      }
    }
    const flightKey = key + '\0' + tag;
    let pending = inFlight.get(flightKey);
    if (pending === undefined) {
      if (queue.length >= maxQueued) return 'auth_overloaded';
      pending = withHashSlot(() => {
        hashes++;
        return verifySecret(secret, stored);
      }).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    const ok = await pending;
    if (!ok) return 'bad_credentials';
    // The registry may have changed while hashing: only a still-current credential counts.
    if (tagOf(deviceId) !== tag) return registry.get(deviceId)?.revokedAt !== undefined ? 'revoked' : 'bad_credentials';
    if (cacheSize > 0) {
      cache.set(key, tag);
      if (cache.size > cacheSize) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
    }
    return 'ok';
  }

  registry.onChange(() => {
    // Entries of changed credentials can never hit again; drop them to free the memory.
    for (const [key, tag] of cache) {
      const id = key.slice(0, key.indexOf('\0'));
      if (tagOf(id) !== tag) cache.delete(key);
    }
  });

  return {
    check,
    async verify(deviceId, secret) {
      return (await check(deviceId, secret)) === 'ok';
    },
    credentialTag: tagOf,
    get stats() {
      return { cacheEntries: cache.size, cacheHits, hashes, pending: running + queue.length };
    },
  };
}
