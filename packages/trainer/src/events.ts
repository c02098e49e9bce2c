import type { TrainConfig } from './config';

/** What one epoch of training measured; one line of `metrics.jsonl`. */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss (cross-entropy) over the epoch's batches, weighted by batch size. */
  trainLoss: number;
  /** Training accuracy over the epoch (on augmented batches, in training mode), 0..1. */
  trainAccuracy: number;
  /** Mean test loss. */
  testLoss: number;
  /** Test accuracy, 0..1. */
  testAccuracy: number;
  /** Wall seconds of the epoch's training steps (evaluation excluded). */
  epochSeconds: number;
  /** Wall seconds of the evaluation on the test split. */
  evalSeconds: number;
  /** Training examples per second. */
  imagesPerSec: number;
  /** Mean function evaluations of the ODE block per forward pass (ODE models only). */
  nfeForward?: number;
  /** Mean function evaluations of the ODE block per backward pass (ODE models only). */
  nfeBackward?: number;
  /** ODE models with checkpointed gradients: the most bytes a backward pass held (checkpoints plus one segment's tape). */
  gradientPeakBytes?: number;
  /**
   * ODE models with backsolve gradients: the largest relative error of the backward solve's reconstruction of the
   * forward states; above the solver's `checkTolerance` the gradients were not to be trusted (use `checkpoint`).
   */
  reconstructionError?: number;
  /** Learning rate used in the epoch. */
  lr: number;
  /** Training examples seen in the epoch. */
  trainCount: number;
  /** Test examples evaluated. */
  testCount: number;
  /** ISO time at which the epoch finished. */
  time: string;
}

/** Emitted once, before the first step of {@link train} or {@link resume}. */
export interface StartEvent {
  type: 'start';
  /** The resolved options. */
  config: TrainConfig;
  /** The run directory (absolute). */
  runDir: string;
  /** The tfjs backend in use (as `@neural-ode/backend` reports it). */
  backend: string;
  /** Trainable parameters of the model. */
  params: number;
  /** Training steps per epoch. */
  steps: number;
  /** The first epoch this call trains (1 unless resumed). */
  epoch: number;
  /** Steps of `epoch` already done (resumed mid-epoch), else 0. */
  step: number;
  /** Training and test examples. */
  trainCount: number;
  testCount: number;
  /** Whether this continues an earlier run. */
  resumed: boolean;
}

/** Emitted after every training step. */
export interface StepEvent {
  type: 'step';
  /** 1-based epoch. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** Steps per epoch. */
  steps: number;
  /** Loss of this batch. */
  loss: number;
  /** Examples per second over the epoch so far. */
  imagesPerSec: number;
  /** Function evaluations of the ODE block in this step's forward pass (ODE models only). */
  nfeForward?: number;
  /** Function evaluations of the ODE block in this step's backward pass (ODE models only). */
  nfeBackward?: number;
}

/** Emitted after each epoch's evaluation (the same object is appended to `metrics.jsonl`). */
export interface EpochEvent {
  type: 'epoch';
  metrics: EpochMetrics;
}

/** Emitted after a checkpoint has been written (atomically). */
export interface CheckpointEvent {
  type: 'checkpoint';
  /** Path of the checkpoint's weights file (`.safetensors`); its state JSON lies beside it. */
  path: string;
  /** Completed epochs at the checkpoint. */
  epoch: number;
  /** Steps of the next epoch already done (a checkpoint written on interrupt), else 0. */
  step: number;
}

/** A human-readable progress line (every `logEvery` epochs, and for notable things). */
export interface LogEvent {
  type: 'log';
  line: string;
}

/** Everything {@link train} reports while it runs. */
export type TrainEvent = StartEvent | StepEvent | EpochEvent | CheckpointEvent | LogEvent;

/** Options of a running {@link train} / {@link resume} call that are not part of the config. */
export interface RunControl {
  /** Called synchronously with each event. */
  onEvent?: (event: TrainEvent) => void;
  /**
   * Aborting it makes the run finish the current step, write a checkpoint and resolve with
   * `interrupted: true` (Ctrl-C in the CLI).
   */
  signal?: AbortSignal;
}

/** What {@link train} resolves with. */
export interface TrainResult {
  /** The run directory (absolute). */
  runDir: string;
  /** `true` when stopped by the signal before the last epoch. */
  interrupted: boolean;
  /** Completed epochs. */
  epoch: number;
  /** Metrics of every completed epoch of the run (including those before a resume). */
  metrics: EpochMetrics[];
  /** The last completed epoch's metrics (absent when interrupted before the first epoch finished). */
  final?: EpochMetrics;
  /** Path of the last checkpoint's weights file. */
  checkpoint: string;
  /** Trainable parameters. */
  params: number;
  /** The tfjs backend used. */
  backend: string;
}

/** What {@link evaluate} resolves with. */
export interface EvaluateResult {
  /** Accuracy on the evaluated split, 0..1. */
  accuracy: number;
  /** Mean cross-entropy loss. */
  loss: number;
  /** Examples evaluated. */
  count: number;
  /** What the user should know, e.g. a subset (`limit`) that has no example of some classes. */
  warnings?: string[];
}
