import { describe, expect, it } from 'vitest';
import { createShardRateLimiter } from '../../gateway/src/bridge/rate-limiter.js';

describe('per-shard rate limiter', () => {
  function limiter(extra = {}) {
    let t = 0;
    const l = createShardRateLimiter({ recordsPerSecond: 1000, bytesPerSecond: 1_048_576, now: () => t, ...extra });
    return { l, advance: (ms: number) => (t += ms), now: () => t };
  }

  it('starts with one second of burst and refills at the shard limits', () => {
    const { l, advance } = limiter();
    expect(l.available('s0')).toEqual({ records: 1000, bytes: 1_048_576 });
    l.consume('s0', 1000, 1_048_576);
    expect(l.available('s0').records).toBe(0);
    advance(500);
    expect(l.available('s0').records).toBeCloseTo(500);
    expect(l.available('s0').bytes).toBeCloseTo(524_288);
    advance(5000);
    expect(l.available('s0').records).toBe(1000); // capped at the burst
  });

  it('keeps shards independent', () => {
    const { l } = limiter();
    l.consume('hot', 1000, 1000);
    expect(l.available('cold').records).toBe(1000);
  });

  it('halves a throttled shard, empties its bucket, and wins the rate back over time', () => {
    const { l, advance } = limiter();
    l.onThrottle('hot');
    l.onThrottle('hot');
    expect(l.factors().get('hot')).toBe(0.25);
    expect(l.available('hot').records).toBe(0);
    advance(1000); // refills at the rate it had at the start of the interval, then recovers by 0.5
    expect(l.available('hot').records).toBeCloseTo(250);
    expect(l.factors().get('hot')).toBe(0.75);
    advance(1000);
    expect(l.factors().get('hot')).toBe(1);
    expect(l.factors().get('cold')).toBeUndefined();
  });

  it('applies headroom and never drops below the minimum factor', () => {
    const { l } = limiter({ headroom: 0.8 });
    expect(l.available('s').records).toBe(800);
    for (let i = 0; i < 20; i++) l.onThrottle('s');
    expect(l.factors().get('s')).toBe(0.05);
  });

  it('says when a shard can take the next record, and keeps the bucket deep enough for the largest record', () => {
    const { l, now } = limiter({ headroom: 0.5, minBurstBytes: 1_048_576 });
    // (full rate: nothing throttled, so no recovery is in play)
    expect(l.available('s').bytes).toBe(1_048_576);
    l.consume('s', 500, 1_048_576);
    // 1 record needs 2 ms at 500 records/s; 100 kB needs ~195 ms at 512 KiB/s.
    expect(l.readyAt('s', 100_000) - now()).toBe(Math.ceil((100_000 / 524_288) * 1000));
  });
});
