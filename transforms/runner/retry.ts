/**
 * Backoff and an abortable sleep, shared by the S3 writer and the shard readers.
 */

/** Full-jitter exponential backoff: a random delay in [base, min(max, base · 2^attempt)]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return baseMs + Math.floor(random() * Math.max(0, ceiling - baseMs));
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects); the timer is cleared either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The AWS error name (`ProvisionedThroughputExceededException`, …) or the JS error name. */
export function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}
