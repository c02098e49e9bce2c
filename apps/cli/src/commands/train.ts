import { join, resolve as resolvePath } from 'node:path';
import { resume, train, type TrainResult } from '@neural-ode/trainer';
import type { CommandSpec } from '../command';
import { EXIT } from '../errors';
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
    if (inv.dryRun) {
      const shown = inv.mode === 'resume' ? { resume: inv.runDir, config } : config;
      io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
      return EXIT.ok;
    }
    const progress = new TrainProgress(io);
    const control = { onEvent: progress.onEvent, ...(io.signal ? { signal: io.signal } : {}) };
    let result: TrainResult;
    try {
      result =
        inv.mode === 'resume'
          ? await resume(inv.runDir!, { ...control, ...(inv.epochs !== undefined ? { epochs: inv.epochs } : {}) })
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
