import type { DatasetSplit } from '../load-dataset';
import { SeededRandom } from './random';

const SUBSET_STREAM = 3;

/** What {@link subsetSplit} returns: the subset, and the classes it has no example of. */
export interface SplitSubset {
  split: DatasetSplit;
  /** Class labels with no example in the subset (empty when every class is there). */
  missingClasses: number[];
}

/**
 * A seeded, class-balanced subset of `count` examples: each class keeps its share of the split (largest
 * remainder), drawn at random within the class, and the chosen examples come out in a seeded random order. Never
 * "the first `count`": files such as `mnist-sample` are sorted by class, and their first 200 examples are one digit.
 * A `count` at or above the split's size returns the split unchanged. Copies the chosen examples.
 *
 * @param split - the split to take examples from.
 * @param count - how many examples to keep (a positive integer; the whole split when it has no more).
 * @param seed - seeds which examples of each class are drawn and their order.
 *
 * @example
 * ```ts
 * const { split, missingClasses } = subsetSplit(await loadDataset('mnist-sample', { split: 'test' }), 200, 0);
 * split.count; // 200, about 20 of each digit
 * ```
 */
export function subsetSplit(split: DatasetSplit, count: number, seed: number): SplitSubset {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`subsetSplit: count = ${count} is not a positive integer: pass how many examples to keep`);
  }
  const classes = split.classes.length;
  if (count >= split.count) return { split, missingClasses: missing(split.y, classes) };
  const rng = new SeededRandom(seed, SUBSET_STREAM);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < split.count; i++) byClass[split.y[i]].push(i);
  // Largest-remainder quotas: proportional to each class's size, summing to `count`; ties go to the lower label.
  const exact = byClass.map((members) => (members.length * count) / split.count);
  const quota = exact.map(Math.floor);
  let left = count - quota.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if (quota[c] < byClass[c].length) {
      quota[c]++;
      left--;
    }
  }
  const chosen: number[] = [];
  byClass.forEach((members, c) => {
    const perm = rng.permutation(members.length);
    for (let k = 0; k < quota[c]; k++) chosen.push(members[perm[k]]);
  });
  const mix = rng.permutation(chosen.length);
  const indices = Array.from(mix, (k) => chosen[k]);
  const size = split.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = new Uint8Array(count * size);
  const y = new Int32Array(count);
  indices.forEach((src, dst) => {
    x.set(split.x.subarray(src * size, (src + 1) * size), dst * size);
    y[dst] = split.y[src];
  });
  const shape = [count, ...split.shape.slice(1)] as typeof split.shape;
  const out = { ...split, count, x, y, shape } as DatasetSplit;
  return { split: out, missingClasses: missing(y, classes) };
}

function missing(y: Int32Array, classes: number): number[] {
  const seen = new Uint8Array(classes);
  for (const label of y) seen[label] = 1;
  const out: number[] = [];
  seen.forEach((s, c) => s || out.push(c));
  return out;
}
