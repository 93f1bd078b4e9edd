/**
 * Seeded pseudo-random numbers. Models, anomalies and network jitter each draw from their own stream, derived
 * from (fleet seed, device id, purpose), so a device's readings do not change when, say, the anomaly rate or the
 * network timing does. Math.random is never used by the simulator's models.
 *
 * Not pure-rand or seedrandom (the ecosystem's seeded generators): the keyed derivation of streams is this
 * module's design either way, the generator itself is ten lines, and swapping it would change the fleet that
 * every existing seed reproduces (`--seed` is how a run is repeated).
 */

/** A source of reproducible random numbers. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

const TWO_POW_32 = 4294967296;

/** 32-bit FNV-1a over the UTF-16 code units of `text`, then an avalanche step so close strings diverge. */
function hashString(text: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A 32-bit finaliser (xor-shift-multiply): spreads every input bit over every output bit. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Creates a stream keyed by any number of string or number parts, e.g. `createRng(seed, deviceId, 'model')`.
 * The generator is a 128-bit small-fast-counter design: three mixing words plus a counter that guarantees a period
 * of at least 2^32, using only adds, xors and shifts. A class, not closures: thousands of devices hold three
 * streams each, and prototype methods cost nothing per instance.
 */
export function createRng(...parts: readonly (string | number)[]): Rng {
  return new SmallFastCounter(parts.map(String).join('\u0000'));
}

class SmallFastCounter implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private counter = 1;
  private spare: number | undefined;

  constructor(key: string) {
    this.a = hashString(key, 1);
    this.b = hashString(key, 2);
    this.c = hashString(key, 3);
    // Discard the first outputs: the state right after seeding still resembles the hash words.
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  private nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  normal(): number {
    // Box-Muller yields two independent normals per pair of uniforms; keep the second for the next call.
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
}
