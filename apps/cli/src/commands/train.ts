import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { readMetrics, resume, RUN_FILES, train, type TrainConfig, type TrainEvent, type TrainResult } from '@neural-ode/trainer';
import type { CommandSpec } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { trainInterruptNotes } from '../interrupt';
import { checkModelFitsData } from '../model-data';
import { emitResult } from '../io';
import { checkDirectory } from '../paths';
import { TrainProgress } from '../progress';
import { resolveTrainInvocation, trainFlags } from '../train-options';

/** The JSON object `train --json` prints. */
export interface TrainJsonResult {
  command: 'train';
  runDir: string;
  interrupted: boolean;
  /** Completed epochs, and the epochs asked for. */
  epoch: number;
  epochs: number;
  /** Final test accuracy (0..1) and loss; absent when interrupted before the first epoch ended. */
  testAccuracy?: number;
  testLoss?: number;
  trainLoss?: number;
  params: number;
  backend: string;
  paths: { config: string; metrics: string; checkpoint: string };
}

/** A new run's options that the schema cannot check alone: the model fits the data, the directory holds no run. */
function checkNewRun(config: TrainConfig): void {
  checkModelFitsData(config.model, config.data, '--model');
  if (existsSync(join(config.save, RUN_FILES.latest)) || existsSync(join(config.save, RUN_FILES.metrics))) {
    throw new CliUsageError(
      `--save: ${config.save} already holds a run: continue it with 'neural-ode train --resume ${config.save}', ` +
        'or choose another --save directory',
      '--save',
    );
  }
}

/** `--resume DIR --epochs N`: N counts the run's epochs in total, so it cannot be fewer than those already trained. */
function checkResume(runDir: string, epochs: number | undefined): void {
  if (epochs === undefined) return;
  const done = Math.max(0, ...readMetrics(join(runDir, RUN_FILES.metrics)).map((m) => m.epoch));
  if (epochs < done) {
    throw new CliUsageError(
      `--epochs ${epochs}: the run in ${runDir} already trained ${done} epochs, and --epochs is the total to reach: ` +
        `give at least ${done} (e.g. --epochs ${done + 1}), or train a new run into another --save directory`,
      '--epochs',
    );
  }
}

/** `neural-ode train`: trains a model, or continues a run with `--resume`. */
export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train resnet / odenet on images or vdcnn / vdcnn-ode on ag-news; checkpoints, metrics and resume.',
  flags: trainFlags,
  examples: [
    'neural-ode train --data mnist --model odenet --epochs 10 --save runs/odenet',
    'neural-ode train --data mnist --save ./log_odenet_mnist --save_every 50 --log_every 1 --optimizer sgd --lr 0.1 --solver runge_kutta --tol 1e-2 --use_ode',
    'neural-ode train --resume runs/odenet --epochs 20',
    'neural-ode train --config run.json --dry-run',
  ],
  async run(ctx) {
    const { io } = ctx;
    const inv = resolveTrainInvocation(ctx.values, ctx.given, io.cwd);
    const config = {
      ...inv.config,
      save: resolvePath(io.cwd, inv.config.save),
      ...(inv.config.dataDir ? { dataDir: resolvePath(io.cwd, inv.config.dataDir) } : {}),
    };
    if (config.dataDir) checkDirectory('--data-dir', config.dataDir);
    if (inv.mode === 'resume') checkResume(inv.runDir!, inv.epochs);
    else checkNewRun(config);
    if (inv.dryRun) {
      const shown = inv.mode === 'resume' ? { resume: inv.runDir, config } : config;
      io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
      return EXIT.ok;
    }
    const progress = new TrainProgress(io);
    const note = io.interruptNotes ? trainInterruptNotes(io.interruptNotes) : undefined;
    const onEvent = (e: TrainEvent) => {
      note?.(e);
      progress.onEvent(e);
    };
    const control = { onEvent, ...(io.signal ? { signal: io.signal } : {}) };
    let result: TrainResult;
    try {
      result =
        inv.mode === 'resume'
          ? await resume(inv.runDir!, { ...control, ...(inv.epochs !== undefined ? { epochs: inv.epochs } : {}), ...(inv.from !== undefined ? { from: inv.from } : {}) })
          : await train(config, control);
    } finally {
      progress.finish();
    }
    const final = result.final;
    const json: TrainJsonResult = {
      command: 'train',
      runDir: result.runDir,
      interrupted: result.interrupted,
      epoch: result.epoch,
      epochs: config.epochs,
      ...(final ? { testAccuracy: final.testAccuracy, testLoss: final.testLoss, trainLoss: final.trainLoss } : {}),
      params: result.params,
      backend: result.backend,
      paths: {
        config: join(result.runDir, 'config.json'),
        metrics: join(result.runDir, 'metrics.jsonl'),
        checkpoint: result.checkpoint,
      },
    };
    const human: string[] = [];
    if (final) {
      human.push(
        `test accuracy ${(final.testAccuracy * 100).toFixed(2)}% (error ${((1 - final.testAccuracy) * 100).toFixed(2)}%), ` +
          `test loss ${final.testLoss.toFixed(4)} after epoch ${result.epoch}/${config.epochs}`,
      );
    }
    human.push(`run: ${result.runDir}`, `checkpoint: ${result.checkpoint}`);
    if (result.interrupted) {
      human.push(`interrupted; continue with: neural-ode train --resume ${result.runDir}`);
    }
    emitResult(io, inv.json, json, human);
    return result.interrupted ? EXIT.interrupted : EXIT.ok;
  },
};
