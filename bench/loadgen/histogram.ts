/**
 * Fixed-size log-linear histogram for latencies in integer nanoseconds.
 *
 * Values below 128 get one exact bucket each; above that every power of two is split into
 * 64 linear sub-buckets, so a bucket is at most 1/64 of its lower bound wide and reporting
 * its midpoint is off by at most 1/128 (≈0.8 %). Memory is constant (~18 KB) however many
 * samples are recorded, and histograms from several workers merge by adding counts.
 */

const EXACT_LIMIT = 128;
const SUB_BUCKETS = 64;
/** Highest power of two tracked; larger values are clamped (2^41 ns ≈ 36 min). */
const MAX_EXPONENT = 40;
const BUCKET_COUNT = EXACT_LIMIT + (MAX_EXPONENT - 6) * SUB_BUCKETS;
const TWO_POW_32 = 2 ** 32;

function floorLog2(value: number): number {
  if (value < TWO_POW_32) return 31 - Math.clz32(value);
  return 63 - Math.clz32(Math.floor(value / TWO_POW_32));
}

function bucketIndex(value: number): number {
  if (value < EXACT_LIMIT) return value;
  const exponent = Math.min(floorLog2(value), MAX_EXPONENT);
  const shift = exponent - 6;
  const mantissa = Math.min(Math.floor(value / 2 ** shift), 2 * SUB_BUCKETS - 1);
  return EXACT_LIMIT + (exponent - 7) * SUB_BUCKETS + (mantissa - SUB_BUCKETS);
}

/** Midpoint of a bucket, i.e. the value reported for samples that fell into it. */
function bucketMidpoint(index: number): number {
  if (index < EXACT_LIMIT) return index;
  const offset = index - EXACT_LIMIT;
  const exponent = Math.floor(offset / SUB_BUCKETS) + 7;
  const width = 2 ** (exponent - 6);
  const lower = (SUB_BUCKETS + (offset % SUB_BUCKETS)) * width;
  return lower + (width - 1) / 2;
}

/** Summary in milliseconds, as reported by the load generator. */
export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  readonly counts: Float64Array;
  private total = 0;
  private maxValue = 0;

  constructor(counts?: ArrayLike<number>, maxValue = 0) {
    this.counts = new Float64Array(BUCKET_COUNT);
    if (counts !== undefined) this.addCounts(counts, maxValue);
  }

  get count(): number {
    return this.total;
  }

  /** Exact largest recorded value in nanoseconds. */
  get max(): number {
    return this.maxValue;
  }

  /** Records one sample; negative/NaN values are treated as 0. */
  record(nanoseconds: number): void {
    const value = nanoseconds > 0 ? Math.round(nanoseconds) : 0;
    const index = bucketIndex(value);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    if (value > this.maxValue) this.maxValue = value;
  }

  /** Adds another histogram (e.g. one posted back by a worker thread). */
  merge(other: LatencyHistogram): void {
    this.addCounts(other.counts, other.maxValue);
  }

  private addCounts(counts: ArrayLike<number>, maxValue: number): void {
    if (counts.length !== BUCKET_COUNT) throw new Error(`histogram bucket count mismatch: ${counts.length}`);
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const c = counts[i] ?? 0;
      if (c === 0) continue;
      this.counts[i] = (this.counts[i] ?? 0) + c;
      this.total += c;
    }
    if (maxValue > this.maxValue) this.maxValue = maxValue;
  }

  /** Value in nanoseconds at percentile `p` (0–100), or NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i] ?? 0;
      // The exact max is a better answer than a bucket midpoint above it.
      if (seen >= rank) return Math.min(bucketMidpoint(i), this.maxValue);
    }
    return this.maxValue;
  }

  /** p50/p90/p99/max in milliseconds, or null when nothing was recorded. */
  summaryMs(): LatencySummaryMs | null {
    if (this.total === 0) return null;
    // 0.1 µs resolution keeps sub-millisecond percentiles within the 1 % error budget.
    const ms = (ns: number): number => Math.round(ns / 100) / 1e4;
    return {
      p50: ms(this.percentile(50)),
      p90: ms(this.percentile(90)),
      p99: ms(this.percentile(99)),
      max: ms(this.maxValue),
    };
  }
}
