import { describe, expect, it } from 'vitest';
import type { ImageSplit } from '../load-dataset';
import { loadDataset } from '../load-dataset';
import { subsetSplit } from './subset';

/** `perClass` examples of each of 10 classes, sorted by class (as `mnist-sample` is); pixel = 10·class + index % 10. */
function sortedSplit(perClass: number): ImageSplit {
  const count = perClass * 10;
  const y = Int32Array.from({ length: count }, (_, i) => Math.floor(i / perClass));
  const x = Uint8Array.from({ length: count * 4 }, (_, i) => y[Math.floor(i / 4)] * 10 + (Math.floor(i / 4) % 10));
  return {
    kind: 'image', name: 'mnist', split: 'test', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], count, y,
    files: [], x, shape: [count, 2, 2, 1], normalization: { mean: [0.5], std: [0.5] },
    augmentation: { cropPadding: 0, horizontalFlip: false },
  };
}

const histogram = (y: Int32Array) => Array.from({ length: 10 }, (_, c) => y.filter((l) => l === c).length);

describe('subsetSplit', () => {
  it('keeps every class in proportion from a split sorted by class (not the first N)', () => {
    const { split, missingClasses } = subsetSplit(sortedSplit(50), 200, 0);
    expect(split.count).toBe(200);
    expect(split.shape).toEqual([200, 2, 2, 1]);
    expect(histogram(split.y)).toEqual(new Array(10).fill(20));
    expect(missingClasses).toEqual([]);
    // Images travel with their labels.
    for (let k = 0; k < split.count; k++) expect(Math.floor(split.x[k * 4] / 10)).toBe(split.y[k]);
    // Shuffled, not grouped by class.
    expect(Array.from(split.y.subarray(0, 20)).every((l) => l === split.y[0])).toBe(false);
  });

  it('is seeded: the same seed gives the same subset, another seed another one', () => {
    const a = subsetSplit(sortedSplit(30), 40, 1).split;
    const b = subsetSplit(sortedSplit(30), 40, 1).split;
    const c = subsetSplit(sortedSplit(30), 40, 2).split;
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
  });

  it('names the classes a subset lacks, and returns the whole split when count covers it', () => {
    expect(subsetSplit(sortedSplit(5), 6, 0).missingClasses).toHaveLength(4);
    const whole = sortedSplit(5);
    expect(subsetSplit(whole, 50, 0).split).toBe(whole);
    expect(() => subsetSplit(whole, 0, 0)).toThrow(/count = 0 is not a positive integer/);
  });

  it('gives every digit of mnist-sample for a 200-example subset', async () => {
    const test = await loadDataset('mnist-sample', { split: 'test' });
    expect(new Set(test.y.subarray(0, 200)).size).toBe(1); // why a first-N cut is wrong: the file is sorted
    const { split, missingClasses } = subsetSplit(test, 200, 0);
    expect(missingClasses).toEqual([]);
    // Each digit keeps its share of the split (the sample has 8.8–11.3% of each digit).
    const full = histogram(test.y);
    histogram(split.y).forEach((n, c) => expect(Math.abs(n - (200 * full[c]) / test.count)).toBeLessThan(1));
  });
});
