/**
 * A small seeded PRNG (mulberry32) for shuffling and augmentation: the same seed gives the same epoch on every
 * machine. Not for cryptography.
 */
export class SeededRandom {
  private state: number;

  /** Seeds from any number of integers (e.g. seed, epoch, stream id), mixed so nearby seeds diverge. */
  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    for (const s of seeds) {
      h = Math.imul(h ^ (s | 0), 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      h = (h + 0x6d2b79f5) | 0;
    }
    this.state = h | 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
