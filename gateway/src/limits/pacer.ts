/**
 * Runs callbacks per key in arrival order, each not before its release delay has passed: what the broker uses to
 * slow a device down to its rate without reordering its publishes. One timer per delayed key.
 */
export interface Pacer {
  /** Runs `fn` after `delayMs` (0: now, unless earlier work of the same key is still waiting). */
  run(key: string, delayMs: number, fn: () => void): void;
  /** Keys with work waiting. */
  readonly waitingKeys: number;
  /** Drops everything still waiting and stops the timers (shutdown: those publishes were never acknowledged). */
  clear(): void;
}

interface Waiting {
  at: number;
  fn: () => void;
}

export function createPacer(now: () => number = () => performance.now()): Pacer {
  const queues = new Map<string, { items: Waiting[]; timer: NodeJS.Timeout | undefined }>();

  function drain(key: string): void {
    const q = queues.get(key);
    if (q === undefined) return;
    q.timer = undefined;
    const t = now();
    while (q.items.length > 0 && (q.items[0] as Waiting).at <= t) (q.items.shift() as Waiting).fn();
    if (q.items.length === 0) {
      queues.delete(key);
      return;
    }
    q.timer = setTimeout(drain, Math.max(1, (q.items[0] as Waiting).at - t), key);
  }

  return {
    get waitingKeys() {
      return queues.size;
    },
    run(key, delayMs, fn) {
      const q = queues.get(key);
      if (q === undefined && delayMs <= 0) {
        fn();
        return;
      }
      const at = now() + Math.max(0, delayMs);
      if (q === undefined) {
        queues.set(key, { items: [{ at, fn }], timer: setTimeout(drain, Math.max(1, delayMs), key) });
        return;
      }
      q.items.push({ at, fn });
    },
    clear() {
      for (const q of queues.values()) if (q.timer !== undefined) clearTimeout(q.timer);
      queues.clear();
    },
  };
}
