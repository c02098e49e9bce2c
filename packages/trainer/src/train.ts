import type { TrainConfigInput } from './config';
import type { RunControl, TrainResult } from './events';

/**
 * A dataset split held in memory, as `@neural-ode/datasets`' `loadDataset` returns it. Pass `splits` to
 * {@link train} to train on data that is not one of the named datasets (tests, custom data).
 */
export interface SplitsInput {
  train: unknown;
  test: unknown;
}

/** Extra inputs of {@link train} that are not part of the serialisable config. */
export interface TrainControl extends RunControl {
  /** Train and test splits to use instead of loading `config.data` (they are not saved with the run). */
  splits?: SplitsInput;
}

/**
 * Trains `config.model` on `config.data`, writing `config.json`, `metrics.jsonl` and checkpoints into `config.save`.
 *
 * @example
 * ```ts
 * import { initBackend } from '@neural-ode/backend';
 * import { train } from '@neural-ode/trainer';
 * const result = await train({ data: 'mnist-sample', model: 'odenet', epochs: 2, save: 'runs/ode' },
 *   { onEvent: (e) => e.type === 'log' && console.log(e.line) });
 * console.log(result.final?.testAccuracy);
 * ```
 */
export async function train(config: TrainConfigInput, control: TrainControl = {}): Promise<TrainResult> {
  void config;
  void control;
  throw new Error('train: not implemented yet');
}

/** Options of {@link resume}. */
export interface ResumeControl extends TrainControl {
  /** Train up to this many epochs in total (default: the run's `epochs`). */
  epochs?: number;
}

/**
 * Continues the run in `runDir` from its last checkpoint (weights, optimizer state, epoch and step, RNG state,
 * LR schedule) to the same result an uninterrupted run with the same seed gives.
 */
export async function resume(runDir: string, control: ResumeControl = {}): Promise<TrainResult> {
  void runDir;
  void control;
  throw new Error('resume: not implemented yet');
}
