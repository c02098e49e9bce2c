/** The serialisable state of an {@link Rng}: four 32-bit words (xoshiro128**). */
export interface RngState {
  s: [number, number, number, number];
}

/**
 * A seeded random number generator (xoshiro128**, seeded by splitmix32) whose state can be saved in a checkpoint
 * and restored, so that a resumed run draws the same numbers as an uninterrupted one.
 */
export class Rng {
  private s: Uint32Array;

  /**
   * Seeds the generator; equal seeds give equal sequences.
   * @param seed - an integer in 0..2^32−1 (e.g. the run's `seed`); anything else throws.
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`Rng: seed ${seed} is not an integer in 0..2^32-1: pass a non-negative 32-bit integer`);
    }
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32: spreads one seed over the four words (never all zero).
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /**
   * A generator continuing from a saved {@link RngState}.
   * @param state - what `state()` returned, e.g. read back from a checkpoint: `{ s: [4 uint32 words] }`; anything else
   *   throws.
   */
  static fromState(state: RngState): Rng {
    const words = state?.s;
    if (!Array.isArray(words) || words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`Rng.fromState: state ${JSON.stringify(state)} is not { s: [4 uint32] }: pass what state() returned`);
    }
    const rng = new Rng(0);
    rng.s.set(words);
    return rng;
  }

  /** The current state (a copy), to restore with {@link Rng.fromState}. */
  state(): RngState {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]] };
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal deviate (Box–Muller; one of the pair is discarded so the state stays a plain counter). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * A uniform integer in [0, n).
   * @param n - the exclusive upper bound, a positive integer (e.g. the length of the array to index).
   */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
