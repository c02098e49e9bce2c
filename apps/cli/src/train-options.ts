import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GRADIENT_MODES, METHODS } from '@neural-ode/odeint';
import { EXPERIMENT_SOLVER, trainConfigSchema, upgradeStoredConfig, type TrainConfig } from '@neural-ode/trainer';
import { CliUsageError } from './errors';
import { attributeName, bindFlags, convertFlagValue, flagsFromSchema, type FlagSpec } from './flags';
import { deepMerge, getPath, isPlainObject, setPath } from './json-paths';
import { REFERENCE_FLAGS, REFERENCE_SCRIPT_DEFAULTS, REFERENCE_SCRIPT_NAMES, REFERENCE_WEIGHT_DECAY, referenceDataName, referenceDecision, type ReferenceScript } from './reference-flags';
import { usageErrorFromZod } from './usage-error-from-zod';

/** The `train` flags that set options of `trainConfigSchema` directly, in help order. */
const NATIVE: FlagSpec[] = [
  { flag: '--data', value: '<name>', path: ['data'], group: 'options', description: 'Dataset (the reference names cifar and ag_news work too).' },
  { flag: '--data-dir', value: '<dir>', path: ['dataDir'], group: 'options', description: "A local directory holding the dataset's files (looked at first; no download needed)." },
  { flag: '--download', path: ['download'], negatable: true, group: 'options', description: 'Download the dataset into the cache when it is not there (--no-download: fail with where to put the files).' },
  { flag: '--model', value: '<name>', path: ['model'], group: 'options', description: 'Model: resnet/odenet for images, vdcnn/vdcnn-ode for ag-news (default resnet, or vdcnn for ag-news).' },
  { flag: '--blocks', value: '<n>', path: ['blocks'], group: 'options', description: 'Residual blocks of resnet / vdcnn (ignored by the ODE models).' },
  // The solver is one odeint `solver()` value in the trainer's config: its settings' flags carry their own types.
  { flag: '--method', value: '<name>', path: ['solver', 'method'], type: 'string', choices: [...METHODS], default: EXPERIMENT_SOLVER.method, group: 'options', description: 'ODE solver method of odenet / vdcnn-ode (@neural-ode/odeint).' },
  { flag: '--step-size', value: '<h>', path: ['solver', 'stepSize'], type: 'number', exclusiveMinimum: 0, group: 'options', description: 'Step size of a fixed-step method on the integration interval [0, 1] (required for those methods).' },
  { flag: '--rtol', value: '<x>', path: ['solver', 'rtol'], type: 'number', exclusiveMinimum: 0, default: EXPERIMENT_SOLVER.rtol, group: 'options', description: 'Relative tolerance of an adaptive method.' },
  { flag: '--atol', value: '<x>', path: ['solver', 'atol'], type: 'number', exclusiveMinimum: 0, default: EXPERIMENT_SOLVER.atol, group: 'options', description: 'Absolute tolerance of an adaptive method.' },
  { flag: '--gradient', value: '<mode>', path: ['solver', 'gradient'], type: 'string', choices: [...GRADIENT_MODES], default: EXPERIMENT_SOLVER.gradient, group: 'options', description: "How an ODE model takes gradients: checkpoint (exact, memory ~√steps), tape (exact, memory grows with the steps) or backsolve (the adjoint ODE: constant memory, checked, can be inaccurate)." },
  { flag: '--adjoint', negatable: true, group: 'options', description: 'The same as --gradient backsolve (--no-adjoint: --gradient tape).' },
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

/** Flags of `train` that belong to the CLI rather than to the training options. */
const CLI_ONLY: FlagSpec[] = [
  { flag: '--config', value: '<file>', group: 'cli', description: 'JSON file of training options (keys of the trainer\'s config, e.g. {"data":"mnist","solver":{"method":"rk4"}}); flags override it.' },
  {
    flag: '--reference',
    value: '<script>',
    group: 'cli',
    type: 'string',
    choices: [...REFERENCE_SCRIPT_NAMES],
    description: "Start from the defaults of the study's script (train.py: 100 epochs, adam lr 1e-3; vdcnn.py: 100 epochs, sgd lr 1e-2, no schedule) instead of this CLI's; `neural-ode ./experiments/train.py ...` implies it.",
  },
  { flag: '--from', value: '<checkpoint>', group: 'cli', description: "With --resume: continue from this checkpoint of the run (checkpoints/<tag>.json or .safetensors) instead of the latest intact one." },
  { flag: '--resume', value: '<dir>', group: 'cli', description: 'Continue the run in <dir> from its last checkpoint (only --epochs may change).' },
  { flag: '--dry-run', group: 'cli', description: 'Print the resolved options as JSON and exit without training.' },
  { flag: '--json', group: 'cli', description: 'Print one JSON object with the result on stdout (progress goes to stderr).' },
];

/** Every flag of `neural-ode train`, with types, choices, defaults and descriptions from `trainConfigSchema`. */
export function trainFlags(): FlagSpec[] {
  const explicit = bindFlags(trainConfigSchema, [...NATIVE, ...REFERENCE_FLAGS]);
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
  /** `--from`: the checkpoint to resume from (absolute path). */
  from?: string;
  dryRun: boolean;
  json: boolean;
}

/** Reads `train`'s flag values (as commander parsed them) by flag name. */
interface FlagReader {
  flags: FlagSpec[];
  isGiven(flag: string): boolean;
  value(flag: string): unknown;
}

/**
 * Resolves `train`'s flag values (as commander parsed them: strings, or booleans for switches) into a checked
 * {@link TrainConfig}: schema defaults, then `--config file.json`, then flags, then the reference flags' meanings
 * ({@link referenceDecision}). Every problem is a {@link CliUsageError} that names the flag and the valid values.
 * @param values - the flag values as commander parsed them, by attribute name (`batchSize`, `dryRun`, …): strings, or
 *   booleans for switches.
 * @param given - whether the flag with that commander attribute name was given on the command line (rather than left at
 *   its default).
 * @param cwd - the directory that relative paths of `--config`, `--resume` and `--from` are resolved against, usually
 *   `process.cwd()`.
 */
export function resolveTrainInvocation(
  values: Record<string, unknown>,
  given: (attribute: string) => boolean,
  cwd: string,
): TrainInvocation {
  const flags = trainFlags();
  const read: FlagReader = { flags, isGiven: (flag) => given(attributeName(flag)), value: (flag) => values[attributeName(flag)] };
  const dryRun = values.dryRun === true;
  const json = values.json === true;
  if (given('from') && !given('resume')) {
    throw new CliUsageError('--from picks the checkpoint a resumed run continues from: give it with --resume <dir>', '--from');
  }
  if (!given('resume')) return newRunInvocation(read, values, given, cwd, dryRun, json);
  const from = given('from') ? resolve(cwd, String(values.from)) : undefined;
  if (from !== undefined && !existsSync(from)) throw new CliUsageError(`--from: ${from} does not exist; give a checkpoint of the run (checkpoints/<tag>.json)`, '--from');
  return { ...resumeInvocation(read, resolve(cwd, String(values.resume)), dryRun, json), ...(from !== undefined ? { from } : {}) };
}

/** `--resume DIR`: the run's own config holds the options; only --epochs may change. */
function resumeInvocation(read: FlagReader, runDir: string, dryRun: boolean, json: boolean): TrainInvocation {
  const configPath = resolve(runDir, 'config.json');
  if (!existsSync(configPath)) {
    throw new CliUsageError(`--resume: ${runDir} is not a run directory (no config.json); give the --save directory of an earlier train run`, '--resume');
  }
  const allowed = new Set(['--resume', '--from', '--reference', '--epochs', '--max_epochs', '--max_epo', '--json', '--dry-run']);
  const extra = read.flags.filter((f) => read.isGiven(f.flag) && !allowed.has(f.flag));
  if (extra.length > 0) {
    throw new CliUsageError(
      `${extra[0].flag} cannot be combined with --resume: a resumed run keeps the options of ${configPath} (only --epochs may change)`,
      extra[0].flag,
    );
  }
  const stored = readJsonFile(configPath, '--resume');
  const storedConfig = upgradeStoredConfig(isPlainObject(stored) && isPlainObject(stored.config) && !('data' in stored) ? stored.config : stored);
  let epochs: number | undefined;
  for (const name of ['--epochs', '--max_epochs', '--max_epo']) {
    const f = read.flags.find((x) => x.flag === name)!;
    if (read.isGiven(name)) epochs = convertFlagValue(f, read.value(name)) as number;
  }
  const merged = epochs === undefined ? storedConfig : { ...(storedConfig as object), epochs };
  const parsed = trainConfigSchema.safeParse(stripUnknown(merged));
  if (!parsed.success) {
    throw usageErrorFromZod(parsed.error, merged, (p) => (p === 'epochs' && epochs !== undefined ? '--epochs' : undefined), configPath);
  }
  return { mode: 'resume', config: parsed.data, runDir, ...(epochs !== undefined ? { epochs } : {}), dryRun, json };
}

/** A new run: `--config file.json`, then the flags, then the reference flags' meanings, parsed once. */
function newRunInvocation(
  read: FlagReader,
  values: Record<string, unknown>,
  given: (attribute: string) => boolean,
  cwd: string,
  dryRun: boolean,
  json: boolean,
): TrainInvocation {
  // 0. --reference <script>: the study script's defaults, under everything else.
  let script: ReferenceScript | undefined;
  if (given('reference')) {
    const name = String(values.reference);
    if (!(REFERENCE_SCRIPT_NAMES as readonly string[]).includes(name)) {
      throw new CliUsageError(`--reference: unknown script ${JSON.stringify(name)}; valid values: ${REFERENCE_SCRIPT_NAMES.join(', ')}`, '--reference');
    }
    script = name as ReferenceScript;
  }
  // 1. --config file.json
  let input: Record<string, unknown> = script ? structuredClone(REFERENCE_SCRIPT_DEFAULTS[script]) as Record<string, unknown> : {};
  let configSource = 'options';
  if (given('config')) {
    const file = resolve(cwd, String(values.config));
    configSource = `--config ${file}`;
    const fromFile = readJsonFile(file, '--config');
    if (!isPlainObject(fromFile)) {
      throw new CliUsageError(`--config: ${file} must hold a JSON object of training options, e.g. {"data":"mnist","epochs":10}`, '--config');
    }
    input = deepMerge(input, fromFile);
  }

  // 2. flags with a schema path; remember which flag set which option, and refuse two flags that set one option.
  const origin = new Map<string, string>();
  const fromFlags: Record<string, unknown> = {};
  for (const f of read.flags) {
    if (!f.path || !read.isGiven(f.flag)) continue;
    const path = f.path.join('.');
    let value: unknown = read.value(f.flag);
    if (path === 'weightDecay' && value === true) value = REFERENCE_WEIGHT_DECAY;
    else if (path === 'data' && typeof value === 'string') value = referenceDataName(value);
    value = convertFlagValue(f, value);
    const earlier = origin.get(path);
    if (earlier !== undefined && getPath(fromFlags, f.path) !== value) {
      throw new CliUsageError(`${earlier} and ${f.flag} both set ${path} (to ${JSON.stringify(getPath(fromFlags, f.path))} and ${JSON.stringify(value)}); give one of them`, f.flag);
    }
    setPath(fromFlags, f.path, value);
    origin.set(path, f.flag);
  }
  if (read.isGiven('--adjoint')) {
    const mode = read.value('--adjoint') === false ? 'tape' : 'backsolve';
    const chosen = getPath(fromFlags, ['solver', 'gradient']);
    if (origin.has('solver.gradient') && chosen !== mode) {
      throw new CliUsageError(`--adjoint means --gradient ${mode}, but --gradient ${String(chosen)} was given; give one of them`, '--adjoint');
    }
    setPath(fromFlags, ['solver', 'gradient'], mode);
    origin.set('solver.gradient', '--adjoint');
  }
  if (typeof input.data === 'string') input.data = referenceDataName(input.data);
  let merged = deepMerge(input, fromFlags);

  // 3. the reference flags' meanings.
  const tolGiven = read.isGiven('--tol');
  const decision = referenceDecision(
    {
      useOde: read.isGiven('--use_ode'),
      ...(script ? { script } : {}),
      ...(read.isGiven('--solver') ? { solver: String(read.value('--solver')) } : {}),
      ...(tolGiven ? { tol: convertFlagValue(read.flags.find((f) => f.flag === '--tol')!, read.value('--tol')) as number } : {}),
    },
    {
      data: typeof merged.data === 'string' ? merged.data : (getDefault('data') as string),
      model: merged.model,
      solver: isPlainObject(merged.solver) ? merged.solver : {},
      origin: (path) => origin.get(path),
    },
  );
  if (decision.model !== undefined) merged.model = decision.model;
  if (decision.solver !== undefined) merged = { ...merged, solver: decision.solver };
  for (const [path, flag] of Object.entries(decision.origin)) origin.set(path, flag);

  // Schedule flags alone (--lr-gamma 0.5) refine the default schedule, which is the step schedule.
  if (isPlainObject(merged.lrSchedule) && merged.lrSchedule.type === undefined) {
    merged = { ...merged, lrSchedule: { type: 'step', ...merged.lrSchedule } };
  }
  const parsed = trainConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw usageErrorFromZod(parsed.error, merged, (p) => origin.get(p) ?? solverFlag(p, origin), configSource);
  }
  return { mode: 'train', config: parsed.data, dryRun, json };
}

/** The flags that set the run's solver, for an error about the solver as a whole (odeint names the setting). */
function solverFlag(path: string, origin: Map<string, string>): string | undefined {
  if (path !== 'solver') return undefined;
  const flags = [...origin].filter(([p]) => p.startsWith('solver.')).map(([, f]) => f);
  return flags.length > 0 ? [...new Set(flags)].join(', ') : undefined;
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
