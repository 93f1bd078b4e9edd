/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, base * 2^(attempt-1))).
 * Full jitter spreads retries of many entries that failed together, so a throttled shard is not hit again by
 * a synchronised wave.
 */
export function fullJitterBackoff(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.floor(random() * ceiling);
}
