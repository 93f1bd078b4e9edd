import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeLatency, mergeLatency, percentileNs, recordNs, summaryMs } from '../../bench/loadgen/histogram.js';

/** Deterministic PRNG so a failure is reproducible. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
}

describe('load generator latency histogram', () => {
  it('is empty until something is recorded', () => {
    const h = createLatencyHistogram();
    expect(summaryMs(h)).toBeNull();
    expect(Number.isNaN(percentileNs(h, 50))).toBe(true);
  });

  it('keeps percentiles within 1 % of the exact value over many magnitudes', () => {
    const rand = lcg(42);
    const h = createLatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Log-uniform from 1 µs to ~100 s, in nanoseconds.
      const v = Math.round(10 ** (3 + rand() * 8));
      values.push(v);
      recordNs(h, v);
    }
    values.sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) {
      const exact = exactPercentile(values, p);
      expect(Math.abs(percentileNs(h, p) - exact) / exact, `p${p}`).toBeLessThanOrEqual(0.01);
    }
    expect(h.maxValue).toBe(values[values.length - 1]);
    expect(h.totalCount).toBe(20_000);
  });

  it('is exact for small values and clamps negatives to zero', () => {
    const h = createLatencyHistogram();
    for (const v of [-5, 0, 1, 2, 127]) recordNs(h, v);
    expect([20, 40, 60, 80, 100].map((p) => percentileNs(h, p))).toEqual([0, 0, 1, 2, 127]);
  });

  it('merges encoded worker histograms like recording everything in one, keeping the exact maximum', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 1; i <= 5_000; i++) {
      const v = i * 997;
      recordNs(i % 2 === 0 ? a : b, v);
      recordNs(all, v);
    }
    const merged = mergeLatency([encodeLatency(a), encodeLatency(b)]);
    expect(merged.histogram.totalCount).toBe(all.totalCount);
    expect(merged.maxNs).toBe(5_000 * 997);
    expect(summaryMs(merged.histogram, merged.maxNs)).toEqual(summaryMs(all));
  });
});
