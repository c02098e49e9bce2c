import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { loadStateDict, parseSafetensors, saveStateDict, serializeSafetensors, type SafetensorsInput } from '@neural-ode/models';
import type { Model } from '@neural-ode/models';
import { writeFileAtomic } from './atomic-write';
import type { Optimizer, OptimizerState } from './optimizers';
import type { RngState } from './rng';
import { RUN_FILES } from './run-dir';

/** Sums of a partly trained epoch, carried over an interruption so its metrics come out the same. */
export interface EpochProgress {
  lossSum: number;
  correct: number;
  count: number;
  seconds: number;
  nfeForwardSum: number;
  nfeBackwardSum: number;
  batches: number;
}

/** The JSON half of a checkpoint (`checkpoints/<tag>.json`, copied to `checkpoint.json`). */
export interface CheckpointState {
  format: 'neural-ode-checkpoint';
  version: 1;
  /** Completed epochs. */
  epoch: number;
  /** Steps of epoch `epoch + 1` already done (an interrupted epoch), else 0. */
  step: number;
  /** Sums of the steps already done in epoch `epoch + 1`. */
  progress: EpochProgress;
  /** The run's RNG after drawing the model and data seeds. */
  rng: RngState;
  /** Seed the model was initialised with. */
  modelSeed: number;
  /** Seed of shuffling and augmentation (`batches(..., { seed })`). */
  dataSeed: number;
  /** Optimizer kind and update count (its slot tensors are in the `.optimizer.safetensors` file). */
  optimizer: { kind: OptimizerState['kind']; step: number };
  /** Files of the checkpoint, relative to the run directory. */
  files: { weights: string; optimizer: string };
  /** ISO time of writing. */
  time: string;
}

/** An empty {@link EpochProgress}. */
export function emptyProgress(): EpochProgress {
  return { lossSum: 0, correct: 0, count: 0, seconds: 0, nfeForwardSum: 0, nfeBackwardSum: 0, batches: 0 };
}

/**
 * Writes a checkpoint: model weights (safetensors, reference names), optimizer slots (safetensors) and the state
 * JSON, each atomically; `checkpoint.json` last, so an interrupted write leaves the previous checkpoint current.
 * @returns the absolute path of the weights file.
 */
export function writeCheckpoint(
  runDir: string,
  model: Model,
  optimizer: Optimizer,
  state: Omit<CheckpointState, 'format' | 'version' | 'files' | 'time' | 'optimizer'>,
): string {
  const tag = state.step > 0 ? `epoch-${pad(state.epoch + 1)}-step-${pad(state.step, 6)}` : `epoch-${pad(state.epoch)}`;
  const files = {
    weights: `${RUN_FILES.checkpoints}/${tag}.safetensors`,
    optimizer: `${RUN_FILES.checkpoints}/${tag}.optimizer.safetensors`,
  };
  const opt = optimizer.getState();
  const slots = new Map<string, SafetensorsInput>();
  for (const [key, slot] of Object.entries(opt.slots)) slots.set(key, { shape: slot.shape, data: slot.values });
  writeFileAtomic(join(runDir, files.weights), saveStateDict(model));
  writeFileAtomic(join(runDir, files.optimizer), serializeSafetensors(slots, { kind: opt.kind, step: String(opt.step) }));
  const full: CheckpointState = {
    format: 'neural-ode-checkpoint',
    version: 1,
    ...state,
    optimizer: { kind: opt.kind, step: opt.step },
    files,
    time: new Date().toISOString(),
  };
  const json = JSON.stringify(full, null, 2) + '\n';
  writeFileAtomic(join(runDir, RUN_FILES.checkpoints, `${tag}.json`), json);
  writeFileAtomic(join(runDir, RUN_FILES.latest), json);
  return resolve(runDir, files.weights);
}

function pad(n: number, width = 4): string {
  return String(n).padStart(width, '0');
}

/**
 * Finds a checkpoint from a run directory (its latest), a checkpoint's `.json`, or its weights `.safetensors`.
 * @returns the run directory and the checkpoint's state.
 */
export function locateCheckpoint(path: string): { runDir: string; state: CheckpointState } {
  const p = resolve(path);
  let runDir: string;
  let jsonPath: string;
  if (existsSync(join(p, RUN_FILES.config))) {
    runDir = p;
    jsonPath = join(p, RUN_FILES.latest);
    if (!existsSync(jsonPath)) {
      throw new Error(`checkpoint: run directory '${path}' has no ${RUN_FILES.latest} yet: train until a checkpoint is written (--save-every)`);
    }
  } else if (p.endsWith('.safetensors') || p.endsWith('.json')) {
    const tag = basename(p).replace(/\.optimizer\.safetensors$|\.safetensors$|\.json$/, '');
    const dir = dirname(p);
    runDir = basename(dir) === RUN_FILES.checkpoints ? dirname(dir) : dir;
    jsonPath = basename(p) === RUN_FILES.latest ? p : join(dir, `${tag}.json`);
  } else {
    throw new Error(`checkpoint: '${path}' is neither a run directory (with ${RUN_FILES.config}) nor a checkpoint file: pass the run's --save directory or a checkpoints/*.safetensors file`);
  }
  if (!existsSync(jsonPath)) throw new Error(`checkpoint: '${jsonPath}' does not exist: pass a checkpoint written by train`);
  const state = JSON.parse(readFileSync(jsonPath, 'utf8')) as CheckpointState;
  if (state.format !== 'neural-ode-checkpoint' || state.version !== 1) {
    throw new Error(`checkpoint: '${jsonPath}' is not a neural-ode checkpoint (format ${JSON.stringify(state.format)}, version ${JSON.stringify(state.version)})`);
  }
  return { runDir, state };
}

/** Loads a checkpoint's weights into `model` (every tensor must match; nothing is half-loaded). */
export function loadCheckpointWeights(runDir: string, state: CheckpointState, model: Model): void {
  loadStateDict(model, readFileSync(join(runDir, state.files.weights)));
}

/** Reads a checkpoint's optimizer state. */
export function readOptimizerState(runDir: string, state: CheckpointState): OptimizerState {
  const { tensors } = parseSafetensors(readFileSync(join(runDir, state.files.optimizer)));
  const slots: OptimizerState['slots'] = {};
  for (const [key, entry] of tensors) slots[key] = { shape: entry.shape, values: Float32Array.from(entry.data) };
  return { kind: state.optimizer.kind, step: state.optimizer.step, slots };
}
