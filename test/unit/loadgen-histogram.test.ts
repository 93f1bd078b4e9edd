import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../bench/loadgen/histogram.js';

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

describe('LatencyHistogram', () => {
  it('is empty until something is recorded', () => {
    const h = new LatencyHistogram();
    expect(h.summaryMs()).toBeNull();
    expect(Number.isNaN(h.percentile(50))).toBe(true);
  });

  it('keeps percentiles within 1 % of the exact value over many magnitudes', () => {
    const rand = lcg(42);
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Log-uniform from 1 µs to ~100 s, in nanoseconds.
      const v = Math.round(10 ** (3 + rand() * 8));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) {
      const exact = exactPercentile(values, p);
      expect(Math.abs(h.percentile(p) - exact) / exact, `p${p}`).toBeLessThanOrEqual(0.01);
    }
    expect(h.max).toBe(values[values.length - 1]);
    expect(h.count).toBe(20_000);
  });

  it('is exact for small values and clamps negatives to zero', () => {
    const h = new LatencyHistogram();
    for (const v of [-5, 0, 1, 2, 127]) h.record(v);
    expect([20, 40, 60, 80, 100].map((p) => h.percentile(p))).toEqual([0, 0, 1, 2, 127]);
  });

  it('merges like recording everything in one histogram', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 1; i <= 5_000; i++) {
      const v = i * 997;
      (i % 2 === 0 ? a : b).record(v);
      all.record(v);
    }
    const merged = new LatencyHistogram(a.counts, a.max);
    merged.merge(b);
    expect(merged.count).toBe(all.count);
    expect(merged.summaryMs()).toEqual(all.summaryMs());
  });
});
