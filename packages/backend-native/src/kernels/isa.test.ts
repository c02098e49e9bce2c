import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeIsa } from '../addon';
import { nativeStatus, registerNativeBackend, setNativeIsa } from '../native-backend';
import { groupNormForward, randomValues, relativeError, sizeOf } from './float64-reference';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] instruction-set tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

const LEVELS: NativeIsa[] = ['baseline', 'avx2', 'avx512'];

/** A few kernels of every family, against float64 definitions: what each instruction-set build must agree on. */
function checkKernels(label: string) {
  const as = [16, 13, 13, 65], bs = [16, 1, 1, 65];
  const a = randomValues(sizeOf(as), 1), b = randomValues(sizeOf(bs), 2);
  const at = tf.tensor(Float32Array.from(a), as), bt = tf.tensor(Float32Array.from(b), bs);
  const mul = tf.mul(at, bt).dataSync();
  expect(relativeError(mul, a.map((v, i) => v * b[Math.floor(i / (13 * 13 * 65)) * 65 + (i % 65)]!)), `${label} mul`).toBeLessThan(1e-6);
  const sum = tf.sum(at, [1, 2]).dataSync();
  const want = new Float64Array(16 * 65);
  a.forEach((v, i) => (want[Math.floor(i / (13 * 13 * 65)) * 65 + (i % 65)] += v));
  expect(relativeError(sum, want), `${label} sum`).toBeLessThan(1e-5);
  const sig = tf.sigmoid(at).dataSync();
  expect(relativeError(sig, a.map((v) => 1 / (1 + Math.exp(-v)))), `${label} sigmoid`).toBeLessThan(1e-6);
  const x = randomValues(4 * 7 * 7 * 64, 3), gamma = randomValues(64, 4), beta = randomValues(64, 5);
  const ref = groupNormForward(x, gamma, beta, 4, 49, 64, 32, 1e-5, true);
  const [y] = tf.engine().runKernel(
    'NeuralOdeGroupNorm',
    { x: tf.tensor(Float32Array.from(x), [4, 7, 7, 64]), gamma: tf.tensor(Float32Array.from(gamma)), beta: tf.tensor(Float32Array.from(beta)) },
    { groups: 32, eps: 1e-5, relu: true },
  ) as tf.Tensor[];
  expect(relativeError(y!.dataSync(), ref.y), `${label} groupNorm`).toBeLessThan(1e-5);
  const t = tf.transpose(tf.tensor(Float32Array.from(a.subarray(0, 67 * 69)), [67, 69])).dataSync();
  expect(t[1], `${label} transpose`).toBe(Math.fround(a[69]!));
  const big = tf.mul(at, 1e3);
  expect(Array.from(tf.cast(big, 'int32').dataSync()), `${label} cast`).toEqual(Array.from(big.dataSync(), (v) => v | 0));
  const strided = tf.stridedSlice(at, [15, 0, 1, 3], [0, 13, 13, 65], [-2, 3, 2, 5]).dataSync();
  expect(strided[1], `${label} stridedSlice`).toBe(Math.fround(a[((15 * 13 + 0) * 13 + 1) * 65 + 8]!));
}

describe.skipIf(!status.available)(`native kernels on every instruction-set level${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
    await tf.setBackend('native');
  });
  afterAll(() => {
    setNativeIsa('avx512'); // back to the best this CPU runs
  });

  it('the status reports the level in use, and levels above the CPU are capped', () => {
    expect(LEVELS).toContain(status.isa);
    const best = setNativeIsa('avx512');
    expect(setNativeIsa('baseline')).toBe('baseline');
    expect(setNativeIsa('avx512')).toBe(best);
    expect(() => setNativeIsa('sse' as NativeIsa)).toThrow(/level=sse is not one of baseline, avx2, avx512/);
  });

  for (const level of LEVELS) {
    it(`kernels agree with float64 on the ${level} build (or the best below it on this CPU)`, () => {
      const used = setNativeIsa(level);
      expect(LEVELS.indexOf(used)).toBeLessThanOrEqual(LEVELS.indexOf(level));
      checkKernels(used);
    });
  }

  it('NEURAL_ODE_NATIVE_ISA=baseline, read when the addon loads, keeps the wide paths off', () => {
    const script = `const a = require(${JSON.stringify(status.path)}); process.stdout.write(a.info().isa + ' ' + a.info().isaSupported);`;
    const run = (isa: string) => spawnSync(process.execPath, ['-e', script], { env: { ...process.env, NEURAL_ODE_NATIVE_ISA: isa }, encoding: 'utf8' });
    const baseline = run('baseline');
    expect(baseline.status, baseline.stderr).toBe(0);
    const [used, supported] = baseline.stdout.split(' ');
    expect(used).toBe('baseline');
    expect(run('avx512').stdout.split(' ')[0]).toBe(supported);
  });
});
