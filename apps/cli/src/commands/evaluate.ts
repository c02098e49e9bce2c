import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { evaluate, evaluateOptionsSchema, readRun, RUN_FILES } from '@neural-ode/trainer';
import { JSON_FLAG, type CommandSpec } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { flagsFromSchema, parseSchemaFlags } from '../flags';
import { emitResult } from '../io';
import { checkModelFitsData } from '../model-data';
import { checkCheckpointPath, checkDirectory } from '../paths';
import { REFERENCE_DATA_NAMES } from '../reference-flags';

const DESCRIPTIONS = {
  checkpoint: "A run directory (its latest checkpoint) or a checkpoint's .safetensors / .json file.",
  data: "Dataset to evaluate on (default: the run's).",
  dataDir: "Local directory with the dataset's files (default: the run's).",
  batchSize: "Evaluation batch size (default: the run's test batch size).",
  split: 'Which split to evaluate.',
  download: "Download the dataset when missing (default: the run's setting).",
  limit: 'Only the first N examples of the split.',
  backend: "tfjs backend (default: the run's).",
};

function evaluateFlags() {
  return [...flagsFromSchema(evaluateOptionsSchema, [], DESCRIPTIONS), JSON_FLAG];
}

/** The JSON object `evaluate --json` prints. */
export interface EvaluateJsonResult {
  command: 'evaluate';
  checkpoint: string;
  split: string;
  /** Accuracy (0..1), mean loss and examples evaluated. */
  accuracy: number;
  loss: number;
  count: number;
  /** Warnings about the measurement, e.g. a `--limit` subset that lacks some classes. */
  warnings?: string[];
}

/** `neural-ode evaluate`: accuracy and loss of a checkpoint on the test split. */
export const evaluateCommand: CommandSpec = {
  name: 'evaluate',
  summary: 'Accuracy and loss of a checkpoint (or a run directory\'s latest one) on the test split.',
  flags: evaluateFlags,
  examples: ['neural-ode evaluate --checkpoint runs/odenet', 'neural-ode evaluate --checkpoint runs/odenet --data mnist-sample --json'],
  async run(ctx) {
    const { io } = ctx;
    if (!ctx.given('checkpoint')) {
      throw new CliUsageError(
        "--checkpoint is required: give a run directory (train's --save, e.g. --checkpoint runs/odenet) or a checkpoint's .safetensors file",
        '--checkpoint',
      );
    }
    const options = parseSchemaFlags(evaluateOptionsSchema, evaluateFlags(), ctx.values, ctx.given, (input) => {
      if (typeof input.data === 'string') input.data = REFERENCE_DATA_NAMES[input.data] ?? input.data;
      if (typeof input.checkpoint === 'string') input.checkpoint = resolvePath(io.cwd, input.checkpoint);
      if (typeof input.dataDir === 'string') input.dataDir = resolvePath(io.cwd, input.dataDir);
    });
    if (options.dataDir) checkDirectory('--data-dir', options.dataDir);
    const runDir = checkCheckpointPath('--checkpoint', options.checkpoint);
    if (options.data && existsSync(join(runDir, RUN_FILES.config))) {
      checkModelFitsData(readRun(runDir).info.config.model, options.data, '--data');
    }
    const result = await evaluate(options);
    // A subset that lacks classes (e.g. --limit on a class-sorted split) measures something else: say so.
    for (const w of result.warnings ?? []) io.stderr(`${w}\n`);
    const json: EvaluateJsonResult = {
      command: 'evaluate',
      checkpoint: options.checkpoint,
      split: options.split,
      accuracy: result.accuracy,
      loss: result.loss,
      count: result.count,
      ...(result.warnings?.length ? { warnings: result.warnings } : {}),
    };
    emitResult(io, ctx.values.json === true, json, [
      `${options.split} accuracy ${(result.accuracy * 100).toFixed(2)}% (error ${((1 - result.accuracy) * 100).toFixed(2)}%), ` +
        `loss ${result.loss.toFixed(4)} on ${result.count} examples`,
    ]);
    return EXIT.ok;
  },
};
