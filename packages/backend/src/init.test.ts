import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, DISABLE_NATIVE_ENV, initBackend } from './index';
import { tryNative } from './native';
import { isModuleNotFound, TENSORFLOW_FLAVOURS, tryTensorflow } from './tensorflow';

const savedEnv = process.env[DISABLE_NATIVE_ENV];
afterEach(() => {
  if (savedEnv == null) delete process.env[DISABLE_NATIVE_ENV];
  else process.env[DISABLE_NATIVE_ENV] = savedEnv;
});

function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /x.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('initBackend', () => {
  it('activates a backend on which gradients work', async () => {
    const choice = await initBackend({ backend: 'cpu', log: false });
    expect(choice.tfjsBackend).toBe('cpu');
    expect(choice.kernels).toContain('Conv2DBackpropFilter');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
  });

  it('rejects unknown options and bad values by name', async () => {
    await expect(initBackend({ backend: 'cpu', thread: 2 } as never)).rejects.toThrow(/thread/);
    await expect(initBackend({ backend: 'cpu', threads: 0, log: false })).rejects.toThrow(/threads/);
    await expect(initBackend({ backend: 'gpu' } as never)).rejects.toThrow(/backend.*'auto'\|'tensorflow'/s);
  });

  it('auto without tfjs-node and with native disabled picks wasm and says why it skipped the others', async () => {
    process.env[DISABLE_NATIVE_ENV] = '1';
    const lines: string[] = [];
    const choice = await initBackend({ backend: 'auto', threads: 2, log: (l) => lines.push(l) });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped).toHaveLength(3);
    expect(choice.skipped[0]).toMatch(/^tfjs-node-gpu: @tensorflow\/tfjs-node-gpu is not installed .*CUDA 11\.2.*cuDNN 8\.1/);
    expect(choice.skipped[1]).toMatch(/^tfjs-node: @tensorflow\/tfjs-node is not installed .*npm i @tensorflow\/tfjs-node@4\.22\.0/);
    expect(choice.skipped[2]).toBe(`native: disabled by ${DISABLE_NATIVE_ENV}=1 (to enable it: unset ${DISABLE_NATIVE_ENV})`);
    expect(lines[0]).toMatch(/using wasm .*2 threads.*Conv2DBackpropFilter/);
    expect(lines.slice(1).join('\n')).toContain('skipped native: disabled');
  });

  it('runs wasm with 2 threads in Node, and with 1 when asked', async () => {
    const two = await initBackend({ backend: 'wasm', threads: 2, log: false });
    expect(two.threads).toBe(2);
    expect(two.notes).toEqual([]);
    const a = tf.tidy(() => tf.conv2d(tf.ones([2, 9, 9, 3]) as tf.Tensor4D, tf.fill([3, 3, 3, 4], 0.5) as tf.Tensor4D, 1, 'same').dataSync());
    const one = await initBackend({ backend: 'wasm', threads: 1, log: false });
    expect(one.threads).toBe(1);
    const b = tf.tidy(() => tf.conv2d(tf.ones([2, 9, 9, 3]) as tf.Tensor4D, tf.fill([3, 3, 3, 4], 0.5) as tf.Tensor4D, 1, 'same').dataSync());
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("asking for 'tensorflow' without tfjs-node says how to install either flavour", async () => {
    const err = await initBackend({ backend: 'tensorflow', log: false }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toContain('@tensorflow/tfjs-node-gpu is not installed');
    expect(err.message).toContain('@tensorflow/tfjs-node is not installed');
    expect(err.message).toContain('npm i @tensorflow/tfjs-node-gpu@4.22.0');
    expect(err.message).toContain('CUDA 11.2 and cuDNN 8.1');
    expect(err.message).toContain('npm i @tensorflow/tfjs-node@4.22.0');
  });

  it("asking for 'native' while it is disabled is an error naming the variable", async () => {
    process.env[DISABLE_NATIVE_ENV] = '1';
    await expect(initBackend({ backend: 'native', log: false })).rejects.toThrow(
      `initBackend: backend 'native' is not available: disabled by ${DISABLE_NATIVE_ENV}=1. To enable it: unset ${DISABLE_NATIVE_ENV}.`,
    );
  });

  it('auto uses native when its addon is available, logging where the binary came from, and otherwise logs the reason and the fix', async () => {
    delete process.env[DISABLE_NATIVE_ENV];
    const lines: string[] = [];
    const choice = await initBackend({ backend: 'auto', threads: 2, log: (l) => lines.push(l) });
    const status = await import('@neural-ode/backend-native' as string)
      .then((m: { nativeStatus(): { available: boolean } }) => m.nativeStatus())
      .catch(() => ({ available: false }));
    if (status.available) {
      expect(choice.backend).toBe('native');
      expect(tf.getBackend()).toBe('native');
      // The prebuilt package's binary or the source build, named with its path.
      expect(lines[0]).toMatch(
        /using native via @neural-ode\/backend-native \(2 threads; binary: (prebuilt @neural-ode\/backend-native-linux-x64-gnu@\d+\.\d+\.\d+|source build|NEURAL_ODE_NATIVE_ADDON=\S+) \(\S+neural_ode_native\.node\)\)$/,
      );
    } else {
      expect(choice.backend).toBe('wasm');
      expect(choice.skipped[2]).toMatch(/^native: .+ \(to enable it: .+\)$/);
    }
  });
});

describe('optional backends', () => {
  it('tells "not installed" apart from "installed but broken"', async () => {
    const gpu = TENSORFLOW_FLAVOURS[0];
    const missing = await tryTensorflow(gpu, undefined, async (s) => {
      throw notFound(s);
    });
    expect(missing).toEqual({ ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' });
    const broken = await tryTensorflow(gpu, undefined, async () => {
      throw new Error('libcudart.so.11.0: cannot open shared object file');
    });
    expect(broken).toEqual({
      ok: false,
      reason: '@tensorflow/tfjs-node-gpu is installed but failed to load: libcudart.so.11.0: cannot open shared object file',
    });
    // A dependency of the package missing is "broken", not "not installed".
    expect(isModuleNotFound(notFound('@tensorflow/tfjs'), '@tensorflow/tfjs-node')).toBe(false);
  });

  it('passes the native status reason and fix through, and only registers an available addon', async () => {
    delete process.env[DISABLE_NATIVE_ENV];
    let registered = 0;
    const unavailable = {
      nativeStatus: () => ({ available: false, reason: 'oneDNN not found', fix: 'apt-get install libdnnl-dev && npm rebuild' }),
      registerNativeBackend: async () => {
        registered++;
      },
    };
    expect(await tryNative(2, async () => unavailable)).toEqual({
      ok: false,
      reason: 'oneDNN not found',
      fix: 'apt-get install libdnnl-dev && npm rebuild',
    });
    expect(registered).toBe(0);
    const missing = await tryNative(2, async (s) => Promise.reject(notFound(s)));
    expect(missing).toMatchObject({ ok: false, reason: '@neural-ode/backend-native is not installed' });
    // True before the first release (the registry has no such package: the tarball) and after it (npm i).
    expect(!missing.ok && missing.fix).toMatch(/^npm i @neural-ode\/backend-native, at the version of @neural-ode\/backend/);
    expect(!missing.ok && missing.fix).toContain("install @neural-ode/backend-native's tarball with it");
    expect(!missing.ok && missing.fix).toContain('scripts/pack-packages.sh');
    const wrongShape = await tryNative(2, async () => ({}));
    expect(wrongShape.ok).toBe(false);
  });
});
