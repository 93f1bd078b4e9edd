/**
 * Failed-login backoff per source address: after `freeFailures` consecutive failures, the address is refused for
 * `baseMs`, doubling with each further failure up to `maxMs`. A success clears the address. Bounded: at most
 * `maxAddresses` addresses are remembered (the oldest are forgotten first).
 */
export interface LoginBackoff {
  readonly enabled: boolean;
  /** Milliseconds the address must still wait before it may try again (0: it may). */
  blockedFor(address: string): number;
  recordFailure(address: string): void;
  recordSuccess(address: string): void;
  readonly trackedAddresses: number;
}

export interface LoginBackoffOptions {
  /** First refusal window; 0 disables the backoff. */
  baseMs: number;
  maxMs: number;
  /** Failures tolerated before the first refusal window. */
  freeFailures: number;
  /** Default 100,000. */
  maxAddresses?: number;
  now?: () => number;
}

interface AddressState {
  failures: number;
  until: number;
}

export function createLoginBackoff(options: LoginBackoffOptions): LoginBackoff {
  const now = options.now ?? Date.now;
  const maxAddresses = options.maxAddresses ?? 100_000;
  const enabled = options.baseMs > 0;
  const states = new Map<string, AddressState>();
  return {
    enabled,
    get trackedAddresses() {
      return states.size;
    },
    blockedFor(address) {
      if (!enabled) return 0;
      const s = states.get(address);
      if (s === undefined) return 0;
      return Math.max(0, s.until - now());
    },
    recordFailure(address) {
      if (!enabled) return;
      let s = states.get(address);
      if (s === undefined) {
        if (states.size >= maxAddresses) {
          const oldest = states.keys().next();
          if (oldest.done !== true) states.delete(oldest.value);
        }
        s = { failures: 0, until: 0 };
      } else {
        states.delete(address); // re-inserted below: most recently active last
      }
      s.failures++;
      const over = s.failures - options.freeFailures;
      if (over > 0) s.until = now() + Math.min(options.maxMs, options.baseMs * 2 ** Math.min(over - 1, 30));
      states.set(address, s);
    },
    recordSuccess(address) {
      states.delete(address);
    },
  };
}
