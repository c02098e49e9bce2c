import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NativeCpuBackend } from './native-cpu-backend';
import { nativeStatus, registerNativeBackend } from './native-backend';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] buffer-pool tests SKIPPED: ${status.reason}. Fix: ${status.fix}`);

const N = 64 * 1024;

describe('the buffer pool of the native backend', () => {
  it('recycles a private buffer once its only tensor is disposed, and nothing else', () => {
    const b = new NativeCpuBackend();
    const a = b.takeFloat32(N);
    const info = b.makeTensorInfo([N], 'float32', a);
    b.disposeData(info.dataId);
    expect(b.takeFloat32(N) === a).toBe(true);

    // The same array under two data entries: recycled only after both are gone.
    const c = b.takeFloat32(N);
    const i1 = b.makeTensorInfo([N], 'float32', c), i2 = b.makeTensorInfo([N], 'float32', c);
    b.disposeData(i1.dataId);
    expect(b.takeFloat32(N) === c).toBe(false);
    b.disposeData(i2.dataId);
    expect(b.takeFloat32(N) === c).toBe(true);

    // Read by the user (dataSync): never recycled.
    const d = b.takeFloat32(N);
    const i3 = b.makeTensorInfo([N], 'float32', d);
    b.readSync(i3.dataId);
    b.disposeData(i3.dataId);
    expect(b.takeFloat32(N) === d).toBe(false);

    // Parent of a view held by another tensor: never recycled.
    const e = b.takeFloat32(N);
    const i4 = b.makeTensorInfo([N], 'float32', e);
    const i5 = b.makeTensorInfo([N / 2], 'float32', e.subarray(0, N / 2));
    b.disposeData(i4.dataId);
    expect(b.takeFloat32(N) === e).toBe(false);
    b.disposeData(i5.dataId);

    // Arrays the user wrote (tf.tensor(values)) are not the pool's.
    const user = new Float32Array(N);
    b.disposeData(b.makeTensorInfo([N], 'float32', user).dataId);
    expect(b.takeFloat32(N) === user).toBe(false);
  });

  describe.skipIf(!status.available)(`on the native backend${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, () => {
    beforeAll(async () => {
      await registerNativeBackend({ threads: 2 });
      await tf.setBackend('native');
    });

    it('arrays returned by dataSync() keep their values after the tensor is disposed', () => {
      const x = tf.randomNormal([N]);
      const y = tf.relu(x);
      const seen = y.dataSync();
      const copy = seen.slice();
      y.dispose();
      for (let i = 0; i < 5; ++i) tf.dispose(tf.mul(x, 3));
      expect(seen).toEqual(copy);
      x.dispose();
    });

    it('views made by cpu kernels (unstack) stay valid after the parent is disposed', () => {
      const x = tf.randomNormal([4, N / 4]);
      const y = tf.relu(x);
      const parts = tf.unstack(y);
      const want = Array.from(tf.slice(tf.relu(x), [0, 0], [1, N / 4]).dataSync());
      y.dispose();
      for (let i = 0; i < 5; ++i) tf.dispose(tf.mul(x, -1));
      expect(Array.from(parts[0]!.dataSync())).toEqual(want);
      tf.dispose([x, ...parts]);
    });
  });
});
