import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve as resolvePath } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { batches, type DatasetSplit } from '@neural-ode/datasets';
import type { Model } from '@neural-ode/models';
import { appendLineAtomic, writeFileAtomic } from './atomic-write';
import { buildModel, gradientStatsOf, nfeOf } from './build-model';
import {
  emptyProgress,
  findResumePoint,
  loadCheckpointWeights,
  locateCheckpoint,
  readOptimizerState,
  writeCheckpoint,
  type CheckpointState,
  type EpochProgress,
} from './checkpoint';
import { parseTrainConfig, trainConfigSchema, type TrainConfig, type TrainConfigInput } from './config';
import { loadRunSplits } from './data';
import { evaluateSplit } from './evaluate';
import type { EpochMetrics, RunControl, TrainEvent, TrainResult } from './events';
import { crossEntropy } from './loss';
import { learningRateAt } from './lr-schedule';
import { createOptimizer, type Optimizer } from './optimizers';
import { Rng } from './rng';
import { RUN_FILES, cleanRunDir, loadRunInfo, lockRunDir, modelLabel, readMetrics, type RunInfo } from './run-dir';

/** Train and test splits given in memory (as `@neural-ode/datasets`' `loadDataset` returns them). */
export interface SplitsInput {
  train: DatasetSplit;
  test: DatasetSplit;
}

/** Extra inputs of {@link train} that are not part of the serialisable config. */
export interface TrainControl extends RunControl {
  /** Train and test splits to use instead of loading `config.data` (not saved with the run: pass them to `resume` too). */
  splits?: SplitsInput;
}

/** Options of {@link resume}. */
export interface ResumeControl extends TrainControl {
  /** Train up to this many epochs in total (default: the run's `epochs`); fewer than the run already did is an error. */
  epochs?: number;
  /**
   * The checkpoint to continue from (a `checkpoints/<tag>.json` or `.safetensors` of this run); default: the latest
   * intact one.
   */
  from?: string;
}

/**
 * Trains `config.model` on `config.data`, writing `config.json`, `metrics.jsonl` and checkpoints into `config.save`.
 * Activates `config.backend` through `@neural-ode/backend` first.
 *
 * @param config - the run: `data`, `model`, `solver`, optimizer and schedule, `epochs`, `save` (the run directory,
 *   which must not hold a run yet), …; `trainConfigSchema` lists every option and its default.
 * @param control - `onEvent` (progress, log lines, checkpoints), `signal` (abort: finish the step, checkpoint,
 *   resolve with `interrupted`), and `splits` (data already loaded, instead of loading `config.data`).
 *
 * @example
 * ```ts
 * import { train } from '@neural-ode/trainer';
 * const result = await train({ data: 'mnist-sample', model: 'odenet', epochs: 2, save: 'runs/ode' },
 *   { onEvent: (e) => e.type === 'log' && console.log(e.line) });
 * console.log(result.final?.testAccuracy);
 * ```
 */
export async function train(config: TrainConfigInput, control: TrainControl = {}): Promise<TrainResult> {
  const cfg = parseTrainConfig(config);
  const runDir = resolvePath(cfg.save);
  const unlock = lockRunDir(runDir, 'train');
  try {
    if (existsSync(join(runDir, RUN_FILES.latest)) || existsSync(join(runDir, RUN_FILES.metrics))) {
      throw new Error(
        `train: option 'save' is '${cfg.save}', which already holds a run: continue it with --resume ${cfg.save} (resume() in code) or choose another --save directory`,
      );
    }
    return await runTraining(cfg, runDir, control, null);
  } finally {
    unlock();
  }
}

/**
 * Continues the run in `runDir` from its last checkpoint (weights, optimizer state, epoch and step, RNG state,
 * LR schedule) to the same result an uninterrupted run with the same seed gives.
 *
 * @param runDir - the run directory written by `train` (its `save`), or one of its checkpoint files to continue from.
 * @param control - as for `train`, plus `epochs` (train on to this many; not below the epochs done) and `from` (the
 *   checkpoint to continue from, instead of the newest intact one).
 *
 * @example
 * ```ts
 * const result = await resume('runs/ode', { epochs: 10 }); // train on to 10 epochs in total
 * ```
 */
export async function resume(runDir: string, control: ResumeControl = {}): Promise<TrainResult> {
  // A checkpoint file names its run directory, and is the checkpoint to continue from.
  const isFile = /\.(json|safetensors)$/.test(runDir) && !existsSync(join(runDir, RUN_FILES.config));
  const dir = isFile ? locateCheckpoint(runDir).runDir : resolvePath(runDir);
  const from = control.from ?? (isFile ? runDir : undefined);
  if (!existsSync(join(dir, RUN_FILES.config))) {
    throw new Error(`resume: '${runDir}' is not a run directory (it has no ${RUN_FILES.config}): pass the --save directory of a run`);
  }
  const unlock = lockRunDir(dir, 'resume');
  try {
    return await resumeLocked(dir, from, control);
  } finally {
    unlock();
  }
}

async function resumeLocked(dir: string, from: string | undefined, control: ResumeControl): Promise<TrainResult> {
  const point = findResumePoint(dir, from);
  for (const note of point.notes) control.onEvent?.({ type: 'log', line: note });
  const done = Math.max(point.state?.epoch ?? 0, ...readMetrics(join(dir, RUN_FILES.metrics)).map((m) => m.epoch));
  if (control.epochs !== undefined && control.epochs < done) {
    throw new Error(
      `resume: epochs = ${control.epochs}, but the run in ${dir} already trained ${done} epochs: pass the total to ` +
        `reach (at least ${done}, e.g. --epochs ${done + 1}), or train a new run into another --save directory`,
    );
  }
  // No checkpoint yet: the run starts again, and its metrics of unsaved epochs go.
  if (!point.state) rmSync(join(dir, RUN_FILES.metrics), { force: true });
  const state = point.state;
  const info = loadRunInfo(dir);
  const cfg = control.epochs === undefined ? info.config : trainConfigSchema.parse({ ...info.config, epochs: control.epochs });
  if (control.epochs !== undefined && !(Number.isInteger(control.epochs) && control.epochs >= 1)) {
    throw new Error(`resume: epochs = ${control.epochs} is not a positive integer: pass the total number of epochs to reach`);
  }
  return runTraining(cfg, dir, control, state);
}

/** Versions recorded in `config.json`. */
function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node, '@tensorflow/tfjs-core': tf.version_core };
  try {
    const require = createRequire(typeof __filename !== 'undefined' ? __filename : import.meta.url);
    for (const name of ['trainer', 'models', 'odeint', 'datasets', 'backend']) {
      try {
        out[`@neural-ode/${name}`] = (require(`@neural-ode/${name}/package.json`) as { version: string }).version;
      } catch {
        // Not resolvable from here (e.g. bundled): leave it out.
      }
    }
  } catch {
    // No module resolution available.
  }
  return out;
}

async function runTraining(cfg: TrainConfig, runDir: string, control: ResumeControl, from: CheckpointState | null): Promise<TrainResult> {
  const emit = (e: TrainEvent) => control.onEvent?.(e);
  const log = (line: string) => emit({ type: 'log', line });
  const leftovers = cleanRunDir(runDir);
  if (leftovers.length) log(`removed ${leftovers.length} temporary file(s) an interrupted write left in ${runDir}`);
  const choice = await initBackend({ backend: cfg.backend, threads: cfg.threads, log: false });
  const backendName = `${choice.backend} (tfjs '${choice.tfjsBackend}', ${choice.threads} threads)`;
  const splits = await loadRunSplits(cfg, control.splits, log);
  for (const w of splits.warnings) log(w);

  let rng: Rng;
  let modelSeed: number;
  let dataSeed: number;
  if (from) {
    rng = Rng.fromState(from.rng);
    modelSeed = from.modelSeed;
    dataSeed = from.dataSeed;
  } else {
    rng = new Rng(cfg.seed);
    modelSeed = rng.nextUint32() >>> 1;
    dataSeed = rng.nextUint32() >>> 1;
  }
  const model = buildModel(cfg, splits.train, modelSeed);
  const trainable = model.namedWeights().filter((w) => w.trainable);
  const optimizer = createOptimizer(
    trainable.map((w) => ({ name: w.name, variable: w.variable })),
    cfg,
  );
  try {
    const params = model.countParams();
    let epochDone = 0;
    let stepDone = 0;
    let progress: EpochProgress = emptyProgress();
    let metrics: EpochMetrics[] = [];
    const metricsPath = join(runDir, RUN_FILES.metrics);
    if (from) {
      loadCheckpointWeights(runDir, from, model);
      optimizer.setState(readOptimizerState(runDir, from));
      epochDone = from.epoch;
      stepDone = from.step;
      progress = { ...from.progress };
      // Epochs logged after the checkpoint (a crash between the two) are trained again: drop their lines.
      const all = readMetrics(metricsPath);
      metrics = all.filter((m) => m.epoch <= epochDone);
      if (metrics.length !== all.length) writeFileAtomic(metricsPath, metrics.map((m) => JSON.stringify(m) + '\n').join(''));
    }
    const info: RunInfo = {
      config: cfg,
      backend: { name: choice.backend, tfjs: choice.tfjsBackend, threads: choice.threads },
      versions: versions(),
      params,
      label: modelLabel(cfg),
      startedAt: new Date().toISOString(),
      ...(splits.files.length ? { dataFiles: splits.files } : {}),
    };
    writeFileAtomic(join(runDir, RUN_FILES.config), JSON.stringify(info, null, 2) + '\n');

    const stream = batches(splits.train, {
      batchSize: cfg.batchSize,
      shuffle: true,
      seed: dataSeed,
      augment: cfg.augment && splits.train.kind === 'image',
      epoch: epochDone,
    });
    const steps = stream.batchesPerEpoch;
    emit({
      type: 'start',
      config: cfg,
      runDir,
      backend: backendName,
      params,
      steps,
      epoch: epochDone + 1,
      step: stepDone,
      trainCount: splits.train.count,
      testCount: splits.test.count,
      resumed: from !== null,
    });
    if (!from) log(`${info.label}: ${params.toLocaleString('en-US')} parameters, ${splits.train.count} training / ${splits.test.count} test examples, ${steps} steps per epoch, backend ${backendName}`);
    else log(`resuming ${runDir} at epoch ${epochDone + 1}, step ${stepDone}/${steps}`);

    let checkpoint = from ? resolvePath(runDir, from.files.weights) : '';
    let lastCheckpointEpoch = from && from.step === 0 ? from.epoch : -1;
    const saveCheckpoint = (epoch: number, step: number, p: EpochProgress) => {
      checkpoint = writeCheckpoint(runDir, model, optimizer, { epoch, step, progress: p, rng: rng.state(), modelSeed, dataSeed });
      emit({ type: 'checkpoint', path: checkpoint, epoch, step });
      if (step === 0) lastCheckpointEpoch = epoch;
    };
    let interrupted = false;

    for (let epoch = epochDone + 1; epoch <= cfg.epochs && !interrupted; epoch++) {
      const lr = learningRateAt(cfg.lr, cfg.lrSchedule, epoch);
      const skip = epoch === epochDone + 1 ? stepDone : 0;
      const p: EpochProgress = skip > 0 ? progress : emptyProgress();
      let examplesThisCall = 0;
      let secondsThisCall = 0;
      for (const batch of stream) {
        if (batch.index < skip) {
          // Resumed mid-epoch: the order and augmentation of epoch e are a function of (seed, e); skip the done steps.
          tf.dispose([batch.x, batch.y]);
          continue;
        }
        const t0 = performance.now();
        const { loss, correct } = trainStep(model, optimizer, batch.x, batch.y, lr);
        tf.dispose([batch.x, batch.y]);
        const dt = (performance.now() - t0) / 1000;
        const nfe = nfeOf(model);
        p.lossSum += loss * batch.size;
        p.correct += correct;
        p.count += batch.size;
        p.seconds += dt;
        p.batches += 1;
        if (nfe) {
          p.nfeForwardSum += nfe.forward;
          p.nfeBackwardSum += nfe.backward;
        }
        const gs = gradientStatsOf(model);
        if (gs?.mode === 'checkpoint') p.gradientPeakBytes = Math.max(p.gradientPeakBytes ?? 0, gs.peakBytes);
        if (gs?.mode === 'backsolve') p.reconstructionError = Math.max(p.reconstructionError ?? 0, gs.reconstructionError);
        examplesThisCall += batch.size;
        secondsThisCall += dt;
        if (!Number.isFinite(loss)) {
          throw new Error(`train: the loss became ${loss} at epoch ${epoch}, step ${batch.index + 1}: lower --lr (now ${lr}) or use a tighter solver tolerance`);
        }
        emit({
          type: 'step',
          epoch,
          step: batch.index + 1,
          steps,
          loss,
          imagesPerSec: examplesThisCall / Math.max(secondsThisCall, 1e-9),
          ...(nfe ? { nfeForward: nfe.forward, nfeBackward: nfe.backward } : {}),
        });
        // Let a signal from Ctrl-C be delivered between steps.
        await new Promise((r) => setImmediate(r));
        if (control.signal?.aborted && batch.index + 1 < steps) {
          saveCheckpoint(epoch - 1, batch.index + 1, p);
          log(`interrupted at epoch ${epoch}, step ${batch.index + 1}/${steps}: checkpoint ${checkpoint}`);
          interrupted = true;
          break;
        }
      }
      if (interrupted) break;

      const t1 = performance.now();
      const test = evaluateSplit(model, splits.test, cfg.testBatchSize);
      const evalSeconds = (performance.now() - t1) / 1000;
      const m: EpochMetrics = {
        epoch,
        trainLoss: p.lossSum / p.count,
        trainAccuracy: p.correct / p.count,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        epochSeconds: p.seconds,
        evalSeconds,
        imagesPerSec: p.count / p.seconds,
        ...(nfeOf(model) ? { nfeForward: p.nfeForwardSum / p.batches, nfeBackward: p.nfeBackwardSum / p.batches } : {}),
        ...(p.gradientPeakBytes !== undefined ? { gradientPeakBytes: p.gradientPeakBytes } : {}),
        ...(p.reconstructionError !== undefined ? { reconstructionError: p.reconstructionError } : {}),
        lr,
        trainCount: p.count,
        testCount: test.count,
        time: new Date().toISOString(),
      };
      metrics.push(m);
      appendLineAtomic(metricsPath, JSON.stringify(m));
      emit({ type: 'epoch', metrics: m });
      if (epoch % cfg.logEvery === 0 || epoch === cfg.epochs) {
        const nfeText =
          (m.nfeForward !== undefined ? `  NFE ${m.nfeForward.toFixed(1)}/${m.nfeBackward?.toFixed(1)}` : '') +
          (m.gradientPeakBytes !== undefined ? `  gradient memory ${(m.gradientPeakBytes / 2 ** 20).toFixed(1)} MiB` : '') +
          (m.reconstructionError !== undefined ? `  backsolve reconstruction error ${m.reconstructionError.toExponential(1)}` : '');
        log(
          `epoch ${epoch}/${cfg.epochs}  train loss ${m.trainLoss.toFixed(4)}  test loss ${m.testLoss.toFixed(4)}  test acc ${(100 * m.testAccuracy).toFixed(2)}%  ` +
            `${m.epochSeconds.toFixed(1)} s  ${m.imagesPerSec.toFixed(0)} img/s${nfeText}  lr ${lr}`,
        );
      }
      if (epoch % cfg.saveEvery === 0 || epoch === cfg.epochs) saveCheckpoint(epoch, 0, emptyProgress());
      if (control.signal?.aborted && epoch < cfg.epochs) {
        if (lastCheckpointEpoch !== epoch) saveCheckpoint(epoch, 0, emptyProgress());
        log(`interrupted after epoch ${epoch}: checkpoint ${checkpoint}`);
        interrupted = true;
      }
    }
    const final = metrics[metrics.length - 1];
    return {
      runDir,
      interrupted,
      epoch: final?.epoch ?? epochDone,
      metrics,
      ...(final ? { final } : {}),
      checkpoint,
      params,
      backend: backendName,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** One optimisation step: loss and gradients, then the optimizer's update. Returns the batch loss and correct count. */
function trainStep(model: Model, optimizer: Optimizer, x: tf.Tensor, y: tf.Tensor, lr: number): { loss: number; correct: number } {
  const weights = model.namedWeights().filter((w) => w.trainable);
  let correctT: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = crossEntropy(model.apply(x, { training: true }), y);
    correctT = tf.keep(out.correct);
    return out.loss;
  }, weights.map((w) => w.variable));
  const byName: Record<string, tf.Tensor> = {};
  for (const w of weights) {
    const g = grads[w.variable.name];
    if (g) byName[w.name] = g;
  }
  optimizer.step(byName, lr);
  const loss = value.dataSync()[0];
  const correct = correctT ? correctT.dataSync()[0] : 0;
  tf.dispose([value, correctT as tf.Tensor, ...Object.values(grads)]);
  return { loss, correct };
}
