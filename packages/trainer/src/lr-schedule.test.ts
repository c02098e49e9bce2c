import { describe, expect, it } from 'vitest';
import { learningRateAt } from './lr-schedule';

describe('learningRateAt', () => {
  it('decays ×gamma every `every` epochs like StepLR stepped per epoch', () => {
    const s = { type: 'step' as const, every: 40, gamma: 0.1 };
    expect(learningRateAt(0.1, s, 1)).toBe(0.1);
    expect(learningRateAt(0.1, s, 40)).toBe(0.1);
    expect(learningRateAt(0.1, s, 41)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(0.1, s, 81)).toBeCloseTo(0.001, 12);
  });
  it('is constant without a schedule', () => {
    expect(learningRateAt(0.3, { type: 'none' }, 500)).toBe(0.3);
  });
});
