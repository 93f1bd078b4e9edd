/*
 * Not an HdrHistogram (hdr-histogram-js, which device-sim and the load generator use): these are Prometheus bucket
 * counts, as prom-client exposes them on /metrics with the bounds the gateway declares, not samples. HdrHistogram
 * can only be fed samples; feeding it each bucket's bound would answer with that bound instead of interpolating
 * inside the bucket as `histogram_quantile` does, so every quantile the operators' view and the benchmarks report
 * would move. What this file adds is that interpolation, a dozen lines.
 */

/** Cumulative histogram buckets: [upper bound, count of observations ≤ bound], ascending, ending with +Inf. */
export type Buckets = ReadonlyArray<readonly [number, number]>;

/** `after − before`, bucket by bucket (both from the same histogram, so the bounds agree). */
export function bucketDelta(before: Buckets | undefined, after: Buckets): Array<[number, number]> {
  const prior = new Map(before ?? []);
  return after.map(([le, n]) => [le, Math.max(0, n - (prior.get(le) ?? 0))]);
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the bucket that holds it, as Prometheus'
 * `histogram_quantile` does; undefined without observations. Only as precise as the bucket bounds; a quantile in
 * the +Inf bucket is reported as the largest finite bound.
 */
export function quantile(buckets: Buckets, q: number): number | undefined {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(count - lowerCount, 1e-9);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
