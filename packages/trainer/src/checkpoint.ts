import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  /** The largest bytes a checkpointed gradient held in the epoch so far (absent in checkpoints of trainer 0.1). */
  gradientPeakBytes?: number;
  /** The largest backsolve reconstruction error in the epoch so far. */
  reconstructionError?: number;
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
  /**
   * SHA-256 (hex) of the bytes of each file in `files`, checked on load so that damaged tensors are an error
   * naming the file, not NaN weights. Absent in checkpoints written before it was recorded (then not checked).
   */
  sha256?: { weights: string; optimizer: string };
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
  state: Omit<CheckpointState, 'format' | 'version' | 'files' | 'time' | 'optimizer' | 'sha256'>,
): string {
  const tag = state.step > 0 ? `epoch-${pad(state.epoch + 1)}-step-${pad(state.step, 6)}` : `epoch-${pad(state.epoch)}`;
  const files = {
    weights: `${RUN_FILES.checkpoints}/${tag}.safetensors`,
    optimizer: `${RUN_FILES.checkpoints}/${tag}.optimizer.safetensors`,
  };
  const opt = optimizer.getState();
  const slots = new Map<string, SafetensorsInput>();
  for (const [key, slot] of Object.entries(opt.slots)) slots.set(key, { shape: slot.shape, data: slot.values });
  const weights = saveStateDict(model);
  const optimizerBytes = serializeSafetensors(slots, { kind: opt.kind, step: String(opt.step) });
  writeFileAtomic(join(runDir, files.weights), weights);
  writeFileAtomic(join(runDir, files.optimizer), optimizerBytes);
  const full: CheckpointState = {
    format: 'neural-ode-checkpoint',
    version: 1,
    ...state,
    optimizer: { kind: opt.kind, step: opt.step },
    files,
    sha256: { weights: sha256(weights), optimizer: sha256(optimizerBytes) },
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
 * @param path - a run directory (its latest checkpoint is taken), a checkpoint's `.json` or its weights `.safetensors`;
 *   relative to the working directory.
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
  return { runDir, state: readCheckpointState(jsonPath) };
}

/** Parses a checkpoint's state JSON; errors name the file. */
export function readCheckpointState(jsonPath: string): CheckpointState {
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(jsonPath, 'utf8')) as CheckpointState;
  } catch (err) {
    throw new Error(`checkpoint: ${jsonPath} is damaged (not JSON: ${(err as Error).message})`, { cause: err });
  }
  if (state?.format !== 'neural-ode-checkpoint' || state.version !== 1) {
    throw new Error(`checkpoint: '${jsonPath}' is not a neural-ode checkpoint (format ${JSON.stringify(state?.format)}, version ${JSON.stringify(state?.version)})`);
  }
  if (typeof state.files?.weights !== 'string' || typeof state.files.optimizer !== 'string' || !Number.isInteger(state.epoch)) {
    throw new Error(`checkpoint: ${jsonPath} is damaged (no files.weights / files.optimizer / epoch)`);
  }
  return state;
}

/**
 * Reads one file of a checkpoint and checks it against the SHA-256 recorded in its state; errors name the file.
 */
function readCheckpointFile(runDir: string, state: CheckpointState, which: 'weights' | 'optimizer'): Buffer {
  const path = join(runDir, state.files[which]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`checkpoint: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const expected = state.sha256?.[which];
  if (expected !== undefined && sha256(bytes) !== expected) {
    throw new Error(`checkpoint: ${path} is damaged: its SHA-256 is ${sha256(bytes)}, the checkpoint recorded ${expected}`);
  }
  return bytes;
}

/** Loads a checkpoint's weights into `model` (every tensor must match; nothing is half-loaded); errors name the file. */
export function loadCheckpointWeights(runDir: string, state: CheckpointState, model: Model): void {
  const bytes = readCheckpointFile(runDir, state, 'weights');
  try {
    loadStateDict(model, bytes);
  } catch (err) {
    throw new Error(`checkpoint: ${join(runDir, state.files.weights)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads a checkpoint's optimizer state; errors name the file. */
export function readOptimizerState(runDir: string, state: CheckpointState): OptimizerState {
  const path = join(runDir, state.files.optimizer);
  let tensors: ReturnType<typeof parseSafetensors>['tensors'];
  try {
    tensors = parseSafetensors(readCheckpointFile(runDir, state, 'optimizer')).tensors;
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(msg.startsWith('checkpoint: ') ? msg : `checkpoint: ${path}: ${msg}`, { cause: err });
  }
  const slots: OptimizerState['slots'] = {};
  for (const [key, entry] of tensors) slots[key] = { shape: entry.shape, values: Float32Array.from(entry.data) };
  return { kind: state.optimizer.kind, step: state.optimizer.step, slots };
}

/**
 * Checks that a checkpoint can be loaded: its files exist, match their recorded SHA-256 (or, for checkpoints
 * without one, parse as safetensors). Throws an error naming the damaged file.
 */
export function verifyCheckpoint(runDir: string, state: CheckpointState): void {
  for (const which of ['weights', 'optimizer'] as const) {
    const bytes = readCheckpointFile(runDir, state, which);
    if (state.sha256?.[which] === undefined) {
      try {
        parseSafetensors(bytes);
      } catch (err) {
        throw new Error(`checkpoint: ${join(runDir, state.files[which])}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

/** Where a resumed run starts: a checkpoint (or none: from the start), and what was skipped on the way. */
export interface ResumePoint {
  /** The checkpoint to continue from; `null` when the run wrote none (killed before its first checkpoint). */
  state: CheckpointState | null;
  /** The state JSON it was read from. */
  path: string | null;
  /** Lines for the log: damaged checkpoints passed over, or why the run starts from the beginning. */
  notes: string[];
}

/** `epoch-0003` → [3, 0]; `epoch-0004-step-000012` → [3, 12] (completed epochs, steps into the next). */
function tagOrder(name: string): [number, number] | null {
  const m = /^epoch-(\d+)(?:-step-(\d+))?\.json$/.exec(name);
  if (!m) return null;
  return m[2] === undefined ? [Number(m[1]), 0] : [Number(m[1]) - 1, Number(m[2])];
}

/**
 * Picks the checkpoint a resumed run continues from: `from` when given (a checkpoint's `.json` or `.safetensors`
 * in this run), else the latest (`checkpoint.json`) if it is intact, else the newest intact one in `checkpoints/`,
 * saying which damaged ones were passed over. A run directory with no checkpoint at all (killed before the first
 * one was written) resumes from the start; one whose checkpoints are all damaged is an error listing them.
 */
export function findResumePoint(runDir: string, from?: string): ResumePoint {
  if (from !== undefined) {
    const { runDir: owner, state } = locateCheckpoint(from);
    if (resolve(owner) !== resolve(runDir)) {
      throw new Error(`checkpoint: '${from}' belongs to the run in ${owner}, not ${runDir}: pass a checkpoint of this run`);
    }
    verifyCheckpoint(runDir, state);
    return { state, path: resolve(from), notes: [`resuming from the chosen checkpoint ${resolve(from)}`] };
  }
  const notes: string[] = [];
  const candidates: string[] = [];
  const latest = join(runDir, RUN_FILES.latest);
  if (existsSync(latest)) candidates.push(latest);
  const dir = join(runDir, RUN_FILES.checkpoints);
  if (existsSync(dir)) {
    const tagged = readdirSync(dir)
      .map((name) => ({ name, order: tagOrder(name) }))
      .filter((c): c is { name: string; order: [number, number] } => c.order !== null)
      .sort((a, b) => b.order[0] - a.order[0] || b.order[1] - a.order[1]);
    candidates.push(...tagged.map((c) => join(dir, c.name)));
  }
  for (const path of candidates) {
    try {
      const state = readCheckpointState(path);
      verifyCheckpoint(runDir, state);
      if (notes.length) notes.push(`resuming from the newest intact checkpoint instead: ${path}`);
      return { state, path, notes };
    } catch (err) {
      notes.push(`skipping a damaged checkpoint: ${(err as Error).message.replace(/^checkpoint: /, '')}`);
    }
  }
  if (candidates.length) {
    throw new Error(
      `checkpoint: no intact checkpoint in ${runDir}:\n  ${notes.join('\n  ')}\n` +
        `Start the run again from epoch 1 by deleting ${latest} and ${dir}, or train into another --save directory`,
    );
  }
  notes.push(`${runDir} has no checkpoint yet (the run stopped before its first one): starting it again from epoch 1`);
  return { state: null, path: null, notes };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
