import type { SpiralConfigInput } from './config';
import type { RunControl } from './events';

/** Files {@link runSpiral} writes. */
export interface SpiralPaths {
  /** The plot (noisy observations, true and learned trajectories). */
  svg: string;
  png: string;
  /** `metrics.jsonl`: loss per logged iteration. */
  metrics: string;
  /** `result.json`: options, RMSE, learned weights. */
  result: string;
}

/** What {@link runSpiral} resolves with. */
export interface SpiralResult {
  /** RMSE of the learned trajectory from z0 against the noise-free one, over all observation times. */
  rmse: number;
  /** Mean window loss of the first and the last iteration. */
  initialLoss: number;
  finalLoss: number;
  /** Iterations done. */
  iterations: number;
  /** Wall seconds of training. */
  seconds: number;
  /** `true` when stopped by the signal. */
  interrupted: boolean;
  /** The learned parameters: f(z) = W2 (W1 z) + b2, weights as PyTorch `[out, in]` row-major. */
  weights: { w1: number[]; w2: number[]; b2: number[] };
  paths: SpiralPaths;
}

/** Runs experiment 1 (the spiral): see {@link spiralConfigSchema}. */
export async function runSpiral(options: SpiralConfigInput = {}, control: RunControl = {}): Promise<SpiralResult> {
  void options;
  void control;
  throw new Error('runSpiral: not implemented yet');
}
