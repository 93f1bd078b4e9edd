/**
 * Backoff for every retry in tidegate (the bridge's failed entries, the delivery runner's GetShardIterator,
 * GetRecords and PutObject calls), stated once:
 *
 *   delay(n) = random(0, min(maxMs, baseMs · 2^(n−1)))      n = 1 for the first retry
 *
 * This is "full jitter" as described in the AWS Architecture Blog's "Exponential Backoff And Jitter": the
 * ceiling grows exponentially to a cap and the delay is drawn uniformly below it, which spreads the retries of
 * many callers that failed together (every entry of a throttled shard, every reader of a recovering stream), so
 * they do not come back as one synchronised wave.
 */

export interface BackoffOptions {
  /** Ceiling of the first retry, ms. */
  baseMs: number;
  /** Cap of the ceiling, ms. */
  maxMs: number;
}

/**
 * The delay before retry number `retry` (1 for the first retry; values below 1 count as 1). `random` returns a
 * number in [0, 1), `Math.random` by default; tests pass a seeded one.
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  // The exponent is capped so that 2^n stays finite for callers that count retries forever.
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
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

/** The AWS error name (`ProvisionedThroughputExceededException`, …) or the JS error name, for logs and labels. */
export function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}
