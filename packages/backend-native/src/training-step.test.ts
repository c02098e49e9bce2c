import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeStatus, registerNativeBackend } from './native-backend';
import type { MnistNetConfig } from './reference-nets';
import { buildMnistNet, sgdStep, syntheticBatch } from './reference-nets';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] training-step tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

/** Loss over `steps` SGD steps of a small network on `backend`, and the tensors left behind. */
async function trajectory(backend: string, config: MnistNetConfig, steps: number): Promise<{ losses: number[]; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const net = buildMnistNet(config);
  const { x, labels } = syntheticBatch(4, 7, 12);
  const losses: number[] = [];
  for (let i = 0; i < steps; ++i) losses.push(sgdStep(net, x, labels, 0.05));
  tf.dispose([x, labels, ...net.params]);
  return { losses, leaked: tf.memory().numTensors - before };
}

// The reference is the plain cpu backend (composite GroupNorm from tfjs ops, tfjs's own conv kernels): the
// wasm backend of @neural-ode/backend is not a dependency of this package.
describe.skipIf(!status.available)(`training steps on native vs cpu${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
  beforeAll(async () => {
    await registerNativeBackend({ threads: 2 });
  });

  for (const config of [
    { kind: 'resnet', blocks: 2, width: 8, groups: 4, seed: 3 },
    { kind: 'odenet', rk4Steps: 2, width: 8, groups: 4, seed: 4 },
  ] satisfies MnistNetConfig[]) {
    it(`${config.kind}: the same 5-step loss trajectory as cpu to 1e-3, no tensor leaks`, async () => {
      const cpu = await trajectory('cpu', config, 5);
      const native = await trajectory('native', config, 5);
      expect(native.leaked).toBe(0);
      expect(cpu.leaked).toBe(0);
      // The run must actually train: otherwise equal trajectories would prove little.
      expect(cpu.losses[4]).toBeLessThan(cpu.losses[0]! - 1e-3);
      for (let i = 0; i < 5; ++i) expect(Math.abs(native.losses[i]! - cpu.losses[i]!) / Math.abs(cpu.losses[i]!)).toBeLessThan(1e-3);
    });
  }

  it('RSS does not grow over 200 small training steps', async () => {
    await tf.setBackend('native');
    const net = buildMnistNet({ kind: 'resnet', blocks: 1, width: 8, groups: 4, seed: 5 });
    const { x, labels } = syntheticBatch(8, 9, 12);
    const rss: number[] = [];
    for (let i = 0; i < 200; ++i) {
      sgdStep(net, x, labels, 0.01);
      if (i % 50 === 49) {
        (globalThis as { gc?: () => void }).gc?.();
        rss.push(process.memoryUsage().rss);
      }
    }
    tf.dispose([x, labels, ...net.params]);
    // Warm-up (primitive caches, heap) happens in the first 50 steps; after that RSS must be flat.
    const growth = rss[3]! - rss[0]!;
    expect(growth, `RSS after steps 50/100/150/200: ${rss.map((r) => (r / 2 ** 20).toFixed(1)).join(', ')} MiB`).toBeLessThan(16 * 2 ** 20);
  });
});
