import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DISABLE_ENV, loadAddonFrom } from './addon';
import { nativeStatus, registerNativeBackend, TFJS_VERSION } from './native-backend';

const status = nativeStatus();
if (!status.available) console.warn(`[backend-native] the addon is unavailable here: ${status.reason}. Fix: ${status.fix}`);

describe('nativeStatus and the fallback when the addon is missing or disabled', () => {
  afterEach(() => {
    delete process.env[DISABLE_ENV];
  });

  it('pins the tfjs version it was written against', () => {
    expect(TFJS_VERSION).toBe('4.22.0');
    expect(tf.version_core).toBe(TFJS_VERSION);
  });

  it(`with ${DISABLE_ENV}=1 it reports unavailable with the reason and the fix, and registration rejects`, async () => {
    process.env[DISABLE_ENV] = '1';
    const s = nativeStatus();
    expect(s.available).toBe(false);
    expect(s.reason).toBe(`disabled by ${DISABLE_ENV}=1`);
    expect(s.fix).toBe(`unset ${DISABLE_ENV}`);
    await expect(registerNativeBackend({ threads: 2 })).rejects.toThrow(/not available: disabled by NEURAL_ODE_NATIVE_DISABLE=1\. Fix: unset/);
  });

  it('an installation without a built addon reports "not built" with the rebuild command', () => {
    const root = mkdtempSync(join(tmpdir(), 'backend-native-unbuilt-'));
    const override = process.env.NEURAL_ODE_NATIVE_ADDON;
    delete process.env.NEURAL_ODE_NATIVE_ADDON;
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: '@neural-ode/backend-native' }));
      const load = loadAddonFrom(root);
      expect(load.ok).toBe(false);
      if (load.ok) return;
      expect(load.reason).toMatch(/the addon is not built \(no .*build\/Release\/neural_ode_native\.node\)/);
      expect(load.fix).toMatch(/npm rebuild @neural-ode\/backend-native/);
    } finally {
      if (override !== undefined) process.env.NEURAL_ODE_NATIVE_ADDON = override;
      rmSync(root, { recursive: true, force: true });
    }
  });

  // CI sets NEURAL_ODE_NATIVE_REQUIRE=1 after installing libdnnl-dev: there a missing addon is a failure, not a skip.
  it.runIf(process.env.NEURAL_ODE_NATIVE_REQUIRE === '1')('the addon is built and loads (NEURAL_ODE_NATIVE_REQUIRE=1)', () => {
    expect(status, `${status.reason}. Fix: ${status.fix}`).toMatchObject({ available: true });
  });

  it('reports unavailable with a reason and a fix, or available with the implementation', () => {
    if (status.available) {
      expect(status.implementation).toMatch(/^(onednn \d+\.\d+\.\d+|im2col)$/);
      expect(status.reason).toBeUndefined();
    } else {
      expect(status.reason).toBeTruthy();
      expect(status.fix).toMatch(/rebuild|unset|install/);
    }
  });

  it.skipIf(!status.available)(`registration is idempotent, validates threads and leaves the active backend alone${status.available ? '' : ` (SKIPPED: ${status.reason})`}`, async () => {
    await tf.setBackend('cpu');
    await registerNativeBackend({ threads: 2 });
    await registerNativeBackend({ threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.findBackendFactory('native')).toBeDefined();
    await expect(registerNativeBackend({ threads: 0 })).rejects.toThrow(/threads=0 must be an integer from 1 to 1024/);
    await registerNativeBackend({ threads: 2 });
  });
});
