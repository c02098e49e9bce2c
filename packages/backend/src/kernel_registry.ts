import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Registers `config`, replacing the backend's own kernel of that name if there is one (without tfjs's warning). */
export function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) != null) {
    unregisterKernel(config.kernelName, config.backendName);
  }
  registerKernel(config);
}
