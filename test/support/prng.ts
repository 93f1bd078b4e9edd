/**
 * mulberry32: a small, fast, seeded PRNG for tests that must be replayable from a printed seed. Values in [0, 1).
 * Not pure-rand or seedrandom (the ecosystem's seeded generators): tests need only `() => number`, and a swap would
 * change every seeded test's inputs (and the meaning of every seed printed by a past failure) for no gain.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
