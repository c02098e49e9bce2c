import { isAdaptive, METHODS, type MethodName } from '@neural-ode/odeint';
import type { TrainConfigInput } from '@neural-ode/trainer';
import { CliUsageError } from './errors';
import type { FlagSpec } from './flags';

// The reference study's scripts (`experiments/train.py`, `experiments/texts/vdcnn.py`) and what their flags mean
// in this project's terms. Everything here is a pure mapping from flag values to trainer options, so that the
// study's command lines are tested to resolve to the same method and step as the study used.

/** Names the reference scripts used for datasets, and the dataset each stands for. */
export const REFERENCE_DATA_NAMES: Readonly<Record<string, string>> = Object.freeze({
  cifar: 'cifar10',
  ag_news: 'ag-news',
  fashion_mnist: 'fashion-mnist',
  mnist_sample: 'mnist-sample',
});

/** The reference scripts' `--solver` names, and the `@neural-ode/odeint` method each stands for. */
export const REFERENCE_SOLVERS: Readonly<Record<string, MethodName>> = Object.freeze({
  euler: 'euler',
  runge_kutta: 'rk4',
});

/** The reference scripts' default `--tol` (used when `--solver` is given without `--tol`). */
export const REFERENCE_DEFAULT_TOL = 1e-3;

/** Weight decay that the reference's `--weight_decay` switch turns on (without it the scripts train with none). */
export const REFERENCE_WEIGHT_DECAY = 5e-4;

/** Datasets of text (their models are `vdcnn` / `vdcnn-ode`). */
const TEXT_DATASETS = new Set(['ag-news']);

/** Flags of the reference study's scripts, with the reference meanings. */
export const REFERENCE_FLAGS: readonly FlagSpec[] = [
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

/** The study's scripts by the name `--reference` takes. */
export const REFERENCE_SCRIPT_NAMES = ['train.py', 'vdcnn.py'] as const;

/** A study script's name. */
export type ReferenceScript = (typeof REFERENCE_SCRIPT_NAMES)[number];

/**
 * What the study's scripts do when a flag is not given, as trainer options: their argparse defaults and what their
 * code fixes (saparina/neural-ode, `experiments/train.py` and `experiments/vdcnn.py`). `train.py`: 100 epochs, Adam
 * at lr 1e-3 (the study's image commands give `--optimizer sgd --lr 0.1`), ×0.1 every 40 epochs, batch 128, test
 * batch 1000, checkpoints and logs every 10 epochs. `vdcnn.py`: 100 epochs, SGD at lr 1e-2 with momentum 0.9 and no
 * schedule whatever `--optimizer` / `--lr` say (the script ignores them; here they still apply when given), batch
 * 128 for training and testing, checkpoints every 20 epochs. Neither uses weight decay unless `--weight_decay`.
 * With `--use_ode` and neither `--solver` nor `--tol`, both scripts integrate with Euler at tol 1e-3.
 */
export const REFERENCE_SCRIPT_DEFAULTS: Readonly<Record<ReferenceScript, TrainConfigInput>> = Object.freeze({
  'train.py': {
    data: 'mnist',
    epochs: 100,
    optimizer: 'adam',
    lr: 1e-3,
    momentum: 0.9,
    weightDecay: 0,
    lrSchedule: { type: 'step', every: 40, gamma: 0.1 },
    batchSize: 128,
    testBatchSize: 1000,
    blocks: 6,
    saveEvery: 10,
    logEvery: 10,
  },
  'vdcnn.py': {
    data: 'ag-news',
    model: 'vdcnn',
    epochs: 100,
    optimizer: 'sgd',
    lr: 1e-2,
    momentum: 0.9,
    weightDecay: 0,
    lrSchedule: { type: 'none' },
    batchSize: 128,
    testBatchSize: 128,
    blocks: 6,
    embeddingSize: 16,
    seqLen: 1014,
    saveEvery: 20,
    logEvery: 1,
  },
});

/** The dataset a reference name (`cifar`, `ag_news`) stands for; other names are returned as they are. */
export function referenceDataName(name: string): string {
  return REFERENCE_DATA_NAMES[name] ?? name;
}

/** What the reference-only flags (those without a trainer option of their own) were given. */
export interface ReferenceFlagValues {
  /** `--use_ode`. */
  useOde: boolean;
  /** `--solver <name>`. */
  solver?: string;
  /** `--tol <x>`. */
  tol?: number;
  /** `--reference <script>` (or the script's name in place of a command): its defaults apply. */
  script?: ReferenceScript;
}

/** The options the library's own flags (or `--config`) already set, and which flag set each (for conflicts). */
export interface NativeChoice {
  /** The dataset (after reference names are mapped). */
  data: string;
  /** `model`, if set. */
  model?: unknown;
  /** The solver settings set so far (`--method`, `--step-size`, `--rtol`, `--atol`, `--config`'s `solver`). */
  solver: Record<string, unknown>;
  /** The flag that set an option path (`'solver.rtol'` → `'--rtol'`), if one did. */
  origin: (path: string) => string | undefined;
}

/** What the reference flags decide: the model, the solver settings, and the flag each option came from. */
export interface ReferenceDecision {
  model?: string;
  solver?: Record<string, unknown>;
  origin: Record<string, string>;
}

/**
 * The reference scripts' meanings, as trainer options: `--use_ode` picks the data's ODE model; `--solver euler`
 * steps by `--tol` and `--solver runge_kutta` (RK4) by `4·--tol`, as the study's code did; `--tol` with an adaptive
 * method is `rtol = atol = tol`; `--tol` alone means the scripts' default solver, euler. A flag that contradicts one
 * of the library's own flags is a {@link CliUsageError} that names both.
 * @param ref - the reference flags as given: `--use_ode`, `--solver`, `--tol` and the reference script whose defaults
 *   apply.
 * @param native - what the library's own flags and `--config` already chose (dataset, model, solver settings) and which
 *   flag set each option, to name both sides of a conflict.
 */
export function referenceDecision(ref: ReferenceFlagValues, native: NativeChoice): ReferenceDecision {
  const origin: Record<string, string> = {};
  const decision: ReferenceDecision = { origin };
  const isText = TEXT_DATASETS.has(native.data);
  if (ref.useOde) {
    const wanted = isText ? 'vdcnn-ode' : 'odenet';
    if (native.origin('model') && native.model !== wanted) {
      throw new CliUsageError(`--use_ode conflicts with --model ${String(native.model)}: --use_ode means --model ${wanted} for --data ${native.data}; give one of them`, '--use_ode');
    }
    decision.model = wanted;
    origin.model = '--use_ode';
  } else if (native.model === undefined && isText) {
    // The trainer's default model (resnet) is an image model; ag-news trains vdcnn as the reference did.
    decision.model = 'vdcnn';
  }
  // The scripts' own defaults are --solver euler --tol 1e-3: they apply when a script's defaults are asked for.
  if (ref.script !== undefined && ref.useOde && ref.solver === undefined && ref.tol === undefined && !native.origin('solver.method')) {
    return referenceDecision({ ...ref, solver: 'euler', script: undefined }, native);
  }
  if (ref.solver === undefined && ref.tol === undefined) return decision;

  const solver = { ...native.solver };
  let referenceName: string | undefined;
  if (ref.solver !== undefined) {
    const name = ref.solver;
    if (name in REFERENCE_SOLVERS) referenceName = name;
    else if (!(METHODS as readonly string[]).includes(name)) {
      throw new CliUsageError(
        `--solver: unknown solver ${JSON.stringify(name)}; valid values: ${Object.keys(REFERENCE_SOLVERS).join(', ')} (reference names) or a method: ${METHODS.join(', ')}`,
        '--solver',
      );
    }
    if (native.origin('solver.method')) throw new CliUsageError('--solver and --method both choose the solver; give one of them', '--solver');
    solver.method = REFERENCE_SOLVERS[name] ?? name;
    origin['solver.method'] = '--solver';
  } else if (solver.method === undefined) {
    // --tol alone: the reference scripts' default solver was euler.
    referenceName = 'euler';
    solver.method = 'euler';
    origin['solver.method'] = '--tol';
  }
  const tol = ref.tol ?? REFERENCE_DEFAULT_TOL;
  if (!(tol > 0)) throw new CliUsageError(`--tol: value ${tol} is too small; it must be > 0`, '--tol');
  if (!isAdaptive(solver.method as MethodName)) {
    if (native.origin('solver.stepSize') && ref.tol !== undefined) {
      throw new CliUsageError('--tol and --step-size both set the step size; give one of them', '--tol');
    }
    if (!native.origin('solver.stepSize')) {
      solver.stepSize = referenceName === 'runge_kutta' ? 4 * tol : tol;
      origin['solver.stepSize'] = '--tol';
    }
  } else if (ref.tol !== undefined) {
    for (const key of ['rtol', 'atol']) {
      if (native.origin(`solver.${key}`)) throw new CliUsageError(`--tol and --${key} both set the tolerance; give one of them`, '--tol');
      solver[key] = tol;
      origin[`solver.${key}`] = '--tol';
    }
  }
  decision.solver = solver;
  return decision;
}
