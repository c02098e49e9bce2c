import { describe, expect, it } from 'vitest';
import {
  GROUP_NORM_GRAD_KERNEL,
  GROUP_NORM_KERNEL,
  groupNormGradLayout,
  groupNormLayout,
  type GroupNormGradInputs,
  type GroupNormInput,
} from './group-norm';

const f32 = (...shape: number[]): GroupNormInput => ({ shape, dtype: 'float32' });
const attrs = { groups: 3, eps: 1e-5, relu: true };
const inputs = { x: f32(2, 4, 5, 6), gamma: f32(6), beta: f32(6) };
const gradInputs = (over: Partial<GroupNormGradInputs> = {}): GroupNormGradInputs => ({
  dy: f32(2, 4, 5, 6), ...inputs, mean: f32(2, 3), rstd: f32(2, 3), ...over,
});

describe('the GroupNorm kernel contract', () => {
  it('keeps the kernel names that backends register and models look up', () => {
    expect([GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL]).toEqual(['NeuralOdeGroupNorm', 'NeuralOdeGroupNormGrad']);
  });

  it('reads x as [n, s, c] for rank 4 and rank 3 (conv1d layout)', () => {
    expect(groupNormLayout(GROUP_NORM_KERNEL, inputs, attrs)).toEqual({ n: 2, s: 20, c: 6, groups: 3, eps: 1e-5, relu: true });
    expect(groupNormLayout(GROUP_NORM_KERNEL, { x: f32(3, 7, 65), gamma: f32(65), beta: f32(65) }, { groups: 5, eps: 0, relu: false }))
      .toEqual({ n: 3, s: 7, c: 65, groups: 5, eps: 0, relu: false });
    expect(groupNormGradLayout(gradInputs(), attrs)).toEqual({ n: 2, s: 20, c: 6, groups: 3, eps: 1e-5, relu: true });
  });

  const rejects: [string, () => unknown, RegExp][] = [
    ['x of rank 1', () => groupNormLayout('groupNorm', { ...inputs, x: f32(6) }, attrs),
      /^groupNorm: x must be channels last with rank >= 2, got shape \[6\]; pass \[n, h, w, c\] or \[n, w, c\]$/],
    ['groups not dividing the channels', () => groupNormLayout(GROUP_NORM_KERNEL, inputs, { ...attrs, groups: 4 }),
      /^NeuralOdeGroupNorm: attr groups=4 must be a positive integer dividing the 6 channels of x; pick a divisor of 6$/],
    ['groups 0', () => groupNormLayout(GROUP_NORM_KERNEL, inputs, { ...attrs, groups: 0 }), /attr groups=0 must be a positive integer/],
    ['groups 1.5', () => groupNormLayout(GROUP_NORM_KERNEL, inputs, { ...attrs, groups: 1.5 }), /attr groups=1.5 must be a positive integer/],
    ['eps < 0', () => groupNormLayout(GROUP_NORM_KERNEL, inputs, { ...attrs, eps: -1 }), /attr eps=-1 must be a number >= 0, e\.g\. 1e-5$/],
    ['eps NaN', () => groupNormLayout(GROUP_NORM_KERNEL, inputs, { ...attrs, eps: NaN }), /attr eps=NaN must be a number >= 0/],
    ['relu not a boolean', () => groupNormLayout(GROUP_NORM_KERNEL, inputs, { ...attrs, relu: 1 as unknown as boolean }),
      /attr relu=1 must be a boolean$/],
    ['gamma of the wrong size', () => groupNormLayout(GROUP_NORM_KERNEL, { ...inputs, gamma: f32(4) }, attrs),
      /gamma \[4\] and beta \[6\] must hold 6 values \(one per channel of x\)/],
    ['int32 x', () => groupNormLayout(GROUP_NORM_KERNEL, { ...inputs, x: { shape: [2, 4, 5, 6], dtype: 'int32' } }, attrs),
      /input x must be float32, got int32; cast it with tf\.cast\(x, 'float32'\)/],
    ['dy not shaped like x', () => groupNormGradLayout(gradInputs({ dy: f32(2, 5, 4, 6) }), attrs),
      /^NeuralOdeGroupNormGrad: dy \[2,5,4,6\] must have the shape of x \[2,4,5,6\]$/],
    ['mean not [n, groups]', () => groupNormGradLayout(gradInputs({ mean: f32(2, 6) }), attrs),
      /^NeuralOdeGroupNormGrad: mean \[2,6\] must be \[2, 3\] as returned by NeuralOdeGroupNorm$/],
    ['rstd not [n, groups]', () => groupNormGradLayout(gradInputs({ rstd: f32(3) }), attrs), /rstd \[3\] must be \[2, 3\]/],
    ['int32 dy', () => groupNormGradLayout(gradInputs({ dy: { shape: [2, 4, 5, 6], dtype: 'int32' } }), attrs),
      /^NeuralOdeGroupNormGrad: input dy must be float32, got int32/],
    ['groups wrong in the gradient', () => groupNormGradLayout(gradInputs(), { ...attrs, groups: 5 }),
      /^NeuralOdeGroupNormGrad: attr groups=5 must be a positive integer dividing the 6 channels/],
  ];
  for (const [what, call, message] of rejects) {
    it(`rejects ${what}, naming the input or attribute and the fix`, () => expect(call).toThrow(message));
  }
});
