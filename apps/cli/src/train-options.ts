import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FIXED_STEP_METHODS, trainConfigSchema, type TrainConfig } from '@neural-ode/trainer';
import { CliUsageError } from './errors';
import {
  attributeName,
  bindFlags,
  convertFlagValue,
  deepMerge,
  flagsFromSchema,
  getPath,
  isPlainObject,
  setPath,
  usageErrorFromZod,
  type FlagSpec,
} from './flags';

/** Names the reference scripts used for datasets, and the dataset each stands for. */
export const REFERENCE_DATA_NAMES: Readonly<Record<string, string>> = Object.freeze({
  cifar: 'cifar10',
  ag_news: 'ag-news',
  fashion_mnist: 'fashion-mnist',
  mnist_sample: 'mnist-sample',
});

/** The reference scripts' `--solver` names, and the `@neural-ode/odeint` method each stands for. */
export const REFERENCE_SOLVERS: Readonly<Record<string, string>> = Object.freeze({
  euler: 'euler',
  runge_kutta: 'rk4',
});

/** The reference scripts' default `--tol` (used when `--solver` is given without `--tol`). */
export const REFERENCE_DEFAULT_TOL = 1e-3;

/** Weight decay that the reference's `--weight_decay` switch turns on. */
export const REFERENCE_WEIGHT_DECAY = 5e-4;

/** Datasets of text (their models are `vdcnn` / `vdcnn-ode`). */
const TEXT_DATASETS = new Set(['ag-news']);

/** The `train` flags that set options of `trainConfigSchema` directly, in help order. */
const NATIVE: FlagSpec[] = [
  { flag: '--data', value: '<name>', path: ['data'], group: 'options', description: 'Dataset (the reference names cifar and ag_news work too).' },
  { flag: '--data-dir', value: '<dir>', path: ['dataDir'], group: 'options', description: "A local directory holding the dataset's files (looked at first; no download needed)." },
  { flag: '--download', path: ['download'], negatable: true, group: 'options', description: 'Download the dataset into the cache when it is not there (--no-download: fail with where to put the files).' },
  { flag: '--model', value: '<name>', path: ['model'], group: 'options', description: 'Model: resnet/odenet for images, vdcnn/vdcnn-ode for ag-news (default resnet, or vdcnn for ag-news).' },
  { flag: '--blocks', value: '<n>', path: ['blocks'], group: 'options', description: 'Residual blocks of resnet / vdcnn (ignored by the ODE models).' },
  { flag: '--method', value: '<name>', path: ['solver', 'method'], group: 'options', description: 'ODE solver method of odenet / vdcnn-ode.' },
  { flag: '--step-size', value: '<h>', path: ['solver', 'stepSize'], group: 'options', description: "Step size of a fixed-step method on the integration interval [0, 1] (default: the model's)." },
  { flag: '--rtol', value: '<x>', path: ['solver', 'rtol'], group: 'options', description: 'Relative tolerance of an adaptive method.' },
  { flag: '--atol', value: '<x>', path: ['solver', 'atol'], group: 'options', description: 'Absolute tolerance of an adaptive method.' },
  { flag: '--adjoint', path: ['solver', 'adjoint'], negatable: true, group: 'options', description: "Gradients by the adjoint ODE (constant memory) instead of backprop through the solver's steps." },
  { flag: '--optimizer', value: '<name>', path: ['optimizer'], group: 'options', description: 'Optimizer (sgd uses --momentum).' },
  { flag: '--lr', value: '<x>', path: ['lr'], group: 'options', description: 'Initial learning rate.' },
  { flag: '--momentum', value: '<x>', path: ['momentum'], group: 'options', description: 'SGD momentum (adam and rmsprop ignore it).' },
  { flag: '--weight-decay', value: '[x]', path: ['weightDecay'], group: 'options', description: `L2 weight decay (PyTorch's weight_decay); the flag alone means ${REFERENCE_WEIGHT_DECAY}.` },
  { flag: '--lr-schedule', value: '<type>', path: ['lrSchedule', 'type'], group: 'options', description: 'Learning-rate schedule: step (×gamma every N epochs) or none.' },
  { flag: '--lr-step-every', value: '<epochs>', path: ['lrSchedule', 'every'], group: 'options', description: 'Epochs between two learning-rate decays of the step schedule.' },
  { flag: '--lr-gamma', value: '<x>', path: ['lrSchedule', 'gamma'], group: 'options', description: 'Factor applied to the learning rate at each decay of the step schedule.' },
  { flag: '--epochs', value: '<n>', path: ['epochs'], group: 'options', description: 'Epochs to train (in total, counting those of a resumed run).' },
  { flag: '--batch-size', value: '<n>', path: ['batchSize'], group: 'options', description: 'Training batch size.' },
  { flag: '--test-batch-size', value: '<n>', path: ['testBatchSize'], group: 'options', description: 'Evaluation batch size.' },
  { flag: '--seed', value: '<n>', path: ['seed'], group: 'options', description: 'Seed of weight initialisation, shuffling and augmentation.' },
  { flag: '--backend', value: '<name>', path: ['backend'], group: 'options', description: 'tfjs backend (@neural-ode/backend); auto takes the fastest one available.' },
  { flag: '--threads', value: '<n>', path: ['threads'], group: 'options', description: 'Threads of backends that use them (native, wasm).' },
  { flag: '--save', value: '<dir>', path: ['save'], group: 'options', description: 'Run directory: config.json, metrics.jsonl, checkpoints.' },
  { flag: '--save-every', value: '<n>', path: ['saveEvery'], group: 'options', description: 'Write a checkpoint every this many epochs (and always after the last one).' },
  { flag: '--log-every', value: '<n>', path: ['logEvery'], group: 'options', description: "Print the epoch's results every this many epochs." },
  { flag: '--limit-train', value: '<n>', path: ['limitTrain'], group: 'options', description: 'Use only the first N training examples (quick runs).' },
  { flag: '--limit-test', value: '<n>', path: ['limitTest'], group: 'options', description: 'Use only the first N test examples (quick runs).' },
];

/** Flags of the reference study's scripts (`train.py`, `texts/vdcnn.py`), with the reference meanings. */
const REFERENCE: FlagSpec[] = [
  { flag: '--use_ode', group: 'reference', description: 'Use the ODE model: odenet (images) or vdcnn-ode (ag-news).' },
  { flag: '--num_res', value: '<n>', path: ['blocks'], group: 'reference', aliasOf: '--blocks' },
  { flag: '--num_res_blocks', value: '<n>', path: ['blocks'], group: 'reference', aliasOf: '--blocks' },
  { flag: '--num_blocks', value: '<n>', path: ['blocks'], group: 'reference', aliasOf: '--blocks' },
  {
    flag: '--solver',
    value: '<name>',
    group: 'reference',
    type: 'string',
    description: 'Reference solver: euler (step = --tol) or runge_kutta (RK4, step = 4·--tol); any --method name also works.',
  },
  {
    flag: '--tol',
    value: '<x>',
    group: 'reference',
    type: 'number',
    exclusiveMinimum: 0,
    description: `Reference tolerance: step size of euler (= tol) and runge_kutta (= 4·tol), rtol = atol = tol for adaptive methods (reference default ${REFERENCE_DEFAULT_TOL}).`,
  },
  { flag: '--max_epochs', value: '<n>', path: ['epochs'], group: 'reference', aliasOf: '--epochs' },
  { flag: '--max_epo', value: '<n>', path: ['epochs'], group: 'reference', aliasOf: '--epochs' },
  { flag: '--batch_size', value: '<n>', path: ['batchSize'], group: 'reference', aliasOf: '--batch-size' },
  { flag: '--weight_decay', value: '[x]', path: ['weightDecay'], group: 'reference', aliasOf: '--weight-decay' },
  { flag: '--save_every', value: '<n>', path: ['saveEvery'], group: 'reference', aliasOf: '--save-every' },
  { flag: '--log_every', value: '<n>', path: ['logEvery'], group: 'reference', aliasOf: '--log-every' },
  {
    flag: '--embd_size',
    value: '<n>',
    group: 'reference',
    type: 'integer',
    minimum: 1,
    path: ['embeddingSize'],
    description: 'Character embedding size of vdcnn / vdcnn-ode (reference default 16).',
  },
  {
    flag: '--seq_len',
    value: '<n>',
    group: 'reference',
    type: 'integer',
    minimum: 1,
    path: ['seqLen'],
    description: 'Characters per text of ag-news (truncated or padded).',
  },
];

/** Flags of `train` that belong to the CLI rather than to the training options. */
const CLI_ONLY: FlagSpec[] = [
  { flag: '--config', value: '<file>', group: 'cli', description: 'JSON file of training options (keys of the trainer\'s config, e.g. {"data":"mnist","solver":{"method":"rk4"}}); flags override it.' },
  { flag: '--resume', value: '<dir>', group: 'cli', description: 'Continue the run in <dir> from its last checkpoint (only --epochs may change).' },
  { flag: '--dry-run', group: 'cli', description: 'Print the resolved options as JSON and exit without training.' },
  { flag: '--json', group: 'cli', description: 'Print one JSON object with the result on stdout (progress goes to stderr).' },
];

/** Every flag of `neural-ode train`, with types, choices, defaults and descriptions from `trainConfigSchema`. */
export function trainFlags(): FlagSpec[] {
  const explicit = bindFlags(trainConfigSchema, [...NATIVE, ...REFERENCE]);
  // Options the trainer has that no explicit flag covers (e.g. `augment`) get a kebab-case flag.
  const extra = flagsFromSchema(trainConfigSchema, explicit, {
    augment: "Training-time augmentation as the reference (random crop; horizontal flips on cifar10).",
  });
  return [...explicit.filter((f) => f.group === 'options'), ...extra, ...explicit.filter((f) => f.group === 'reference'), ...CLI_ONLY];
}

/** What `train` was asked to do after its flags are checked. */
export interface TrainInvocation {
  /** `train` (new run) or `resume` (continue `runDir`). */
  mode: 'train' | 'resume';
  /** The resolved, schema-checked options (for a resume: the run's config.json, with `epochs` applied). */
  config: TrainConfig;
  /** The run directory to resume (mode `resume`). */
  runDir?: string;
  /** `--epochs` given with `--resume`. */
  epochs?: number;
  dryRun: boolean;
  json: boolean;
}

/**
 * Resolves `train`'s flag values (as commander parsed them: strings, or booleans for switches) into a checked
 * {@link TrainConfig}: schema defaults, then `--config file.json`, then flags, then the reference flags' meanings.
 * Every problem is a {@link CliUsageError} that names the flag and the valid values.
 */
export function resolveTrainInvocation(
  values: Record<string, unknown>,
  given: (attribute: string) => boolean,
  cwd: string,
): TrainInvocation {
  const flags = trainFlags();
  const isGiven = (f: FlagSpec): boolean => given(attributeName(f.flag));
  const raw = (f: FlagSpec): unknown => values[attributeName(f.flag)];
  const byFlag = new Map(flags.map((f) => [f.flag, f]));
  const dryRun = values.dryRun === true;
  const json = values.json === true;

  // --resume: the run's own config holds the options; only --epochs may change.
  if (given('resume')) {
    const runDir = resolve(cwd, String(values.resume));
    const configPath = resolve(runDir, 'config.json');
    if (!existsSync(configPath)) {
      throw new CliUsageError(`--resume: ${runDir} is not a run directory (no config.json); give the --save directory of an earlier train run`, '--resume');
    }
    const allowed = new Set(['--resume', '--epochs', '--max_epochs', '--max_epo', '--json', '--dry-run']);
    const extra = flags.filter((f) => isGiven(f) && !allowed.has(f.flag));
    if (extra.length > 0) {
      throw new CliUsageError(
        `${extra[0].flag} cannot be combined with --resume: a resumed run keeps the options of ${configPath} (only --epochs may change)`,
        extra[0].flag,
      );
    }
    const stored = readJsonFile(configPath, '--resume');
    const storedConfig = isPlainObject(stored) && isPlainObject(stored.config) && !('data' in stored) ? stored.config : stored;
    let epochs: number | undefined;
    for (const name of ['--epochs', '--max_epochs', '--max_epo']) {
      const f = byFlag.get(name)!;
      if (isGiven(f)) epochs = convertFlagValue(f, raw(f)) as number;
    }
    const merged = epochs === undefined ? storedConfig : { ...(storedConfig as object), epochs };
    const parsed = trainConfigSchema.safeParse(stripUnknown(merged));
    if (!parsed.success) {
      throw usageErrorFromZod(parsed.error, merged, (p) => (p === 'epochs' && epochs !== undefined ? '--epochs' : undefined), configPath);
    }
    return { mode: 'resume', config: parsed.data, runDir, ...(epochs !== undefined ? { epochs } : {}), dryRun, json };
  }

  // 1. --config file.json
  let input: Record<string, unknown> = {};
  let configSource = 'options';
  if (given('config')) {
    const file = resolve(cwd, String(values.config));
    configSource = `--config ${file}`;
    const fromFile = readJsonFile(file, '--config');
    if (!isPlainObject(fromFile)) {
      throw new CliUsageError(`--config: ${file} must hold a JSON object of training options, e.g. {"data":"mnist","epochs":10}`, '--config');
    }
    input = fromFile;
  }

  // 2. flags with a schema path; remember which flag set which option for error messages.
  const origin = new Map<string, string>();
  const fromFlags: Record<string, unknown> = {};
  for (const f of flags) {
    if (!f.path || !isGiven(f)) continue;
    let value: unknown = raw(f);
    if (f.path.join('.') === 'weightDecay' && value === true) value = REFERENCE_WEIGHT_DECAY;
    else if (f.path.join('.') === 'data' && typeof value === 'string') value = REFERENCE_DATA_NAMES[value] ?? value;
    value = convertFlagValue(f, value);
    setPath(fromFlags, f.path, value);
    origin.set(f.path.join('.'), f.flag);
  }
  if (typeof input.data === 'string') input.data = REFERENCE_DATA_NAMES[input.data] ?? input.data;
  let merged = deepMerge(input, fromFlags);

  // 3. the reference flags' meanings.
  const data = typeof merged.data === 'string' ? merged.data : (getDefault('data') as string);
  const isText = TEXT_DATASETS.has(data);
  const useOde = isGiven(byFlag.get('--use_ode')!);
  if (useOde) {
    const wanted = isText ? 'vdcnn-ode' : 'odenet';
    if (origin.has('model') && merged.model !== wanted) {
      throw new CliUsageError(`--use_ode conflicts with --model ${String(merged.model)}: --use_ode means --model ${wanted} for --data ${data}; give one of them`, '--use_ode');
    }
    merged.model = wanted;
    origin.set('model', '--use_ode');
  } else if (merged.model === undefined && isText) {
    // The schema's default model (resnet) is an image model; ag-news trains vdcnn as the reference did.
    merged.model = 'vdcnn';
  }

  const solverFlag = byFlag.get('--solver')!;
  const tolFlag = byFlag.get('--tol')!;
  const solverGiven = isGiven(solverFlag);
  const tolGiven = isGiven(tolFlag);
  if (solverGiven || tolGiven) {
    const solver = isPlainObject(merged.solver) ? { ...merged.solver } : {};
    let referenceName: string | undefined;
    if (solverGiven) {
      const name = String(raw(solverFlag));
      const methods = (bindFlags(trainConfigSchema, [NATIVE.find((f) => f.flag === '--method')!])[0].choices ?? []).map(String);
      if (name in REFERENCE_SOLVERS) referenceName = name;
      else if (!methods.includes(name)) {
        throw new CliUsageError(
          `--solver: unknown solver ${JSON.stringify(name)}; valid values: ${Object.keys(REFERENCE_SOLVERS).join(', ')} (reference names) or a method: ${methods.join(', ')}`,
          '--solver',
        );
      }
      if (origin.has('solver.method')) {
        throw new CliUsageError('--solver and --method both choose the solver; give one of them', '--solver');
      }
      solver.method = REFERENCE_SOLVERS[name] ?? name;
      origin.set('solver.method', '--solver');
    } else if (solver.method === undefined) {
      // --tol alone: the reference scripts' default solver was euler.
      referenceName = 'euler';
      solver.method = 'euler';
      origin.set('solver.method', '--tol');
    }
    const tol = tolGiven ? (convertFlagValue(tolFlag, raw(tolFlag)) as number) : REFERENCE_DEFAULT_TOL;
    if (!(tol > 0)) throw new CliUsageError(`--tol: value ${tol} is too small; it must be > 0`, '--tol');
    const fixed = (FIXED_STEP_METHODS as readonly string[]).includes(String(solver.method));
    if (fixed) {
      if (origin.has('solver.stepSize') && tolGiven) {
        throw new CliUsageError('--tol and --step-size both set the step size; give one of them', '--tol');
      }
      if (!origin.has('solver.stepSize')) {
        solver.stepSize = referenceName === 'runge_kutta' ? 4 * tol : tol;
        origin.set('solver.stepSize', '--tol');
      }
    } else if (tolGiven) {
      for (const key of ['rtol', 'atol']) {
        if (origin.has(`solver.${key}`)) {
          throw new CliUsageError(`--tol and --${key} both set the tolerance; give one of them`, '--tol');
        }
        solver[key] = tol;
        origin.set(`solver.${key}`, '--tol');
      }
    }
    merged = { ...merged, solver };
  }

  // Schedule flags alone (--lr-gamma 0.5) refine the default schedule, which is the step schedule.
  if (isPlainObject(merged.lrSchedule) && merged.lrSchedule.type === undefined) {
    merged = { ...merged, lrSchedule: { type: 'step', ...merged.lrSchedule } };
  }
  const parsed = trainConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw usageErrorFromZod(parsed.error, merged, (p) => origin.get(p), configSource);
  }
  return { mode: 'train', config: parsed.data, dryRun, json };
}

function getDefault(key: string): unknown {
  return trainConfigSchema.safeParse({}).data?.[key as keyof TrainConfig];
}

/** config.json of a run may carry extra keys (backend, versions): keep only the schema's options. */
function stripUnknown(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const keys = Object.keys((trainConfigSchema as unknown as { shape: Record<string, unknown> }).shape);
  return Object.fromEntries(Object.entries(value).filter(([k]) => keys.includes(k)));
}

/** Reads and parses a JSON file named by a flag; a missing or malformed file is a usage error. */
export function readJsonFile(file: string, flag: string): unknown {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new CliUsageError(`${flag}: file ${file} does not exist; give the path of a JSON file`, flag);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliUsageError(`${flag}: ${file} is not valid JSON (${(err as Error).message}); fix the file`, flag);
  }
}

/** Reads the value of a resolved config at a dotted path (for messages and tests). */
export function configValue(config: TrainConfig, path: string): unknown {
  return getPath(config, path.split('.'));
}
