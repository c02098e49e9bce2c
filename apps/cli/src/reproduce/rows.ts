import type { StudyRowName, StudyTableName } from '@neural-ode/trainer';
import type { ReferenceScript } from '../reference-flags';

/** A row of the study: its script and its command line after the script's name, verbatim but for `--save`. */
export interface StudyCommand {
  row: StudyRowName;
  script: ReferenceScript;
  argv: readonly string[];
}

// The study's README (saparina/neural-ode, as given in REFERENCE.md), one command line per row of its tables.
const IMAGE = ['--save_every', '50', '--log_every', '1', '--optimizer', 'sgd', '--lr', '0.1'];
const TEXT = ['--batch_size', '256', '--max_epo', '20'];

/** Every row of the study's tables with the command that produced it. */
export const STUDY_COMMANDS: Readonly<Record<StudyTableName, readonly StudyCommand[]>> = Object.freeze({
  mnist: [
    { row: 'resnet6', script: 'train.py', argv: ['--data', 'mnist', ...IMAGE, '--num_res', '6'] },
    { row: 'resnet1', script: 'train.py', argv: ['--data', 'mnist', ...IMAGE, '--num_res', '1'] },
    { row: 'odenet-rk4', script: 'train.py', argv: ['--data', 'mnist', ...IMAGE, '--solver', 'runge_kutta', '--tol', '1e-2', '--use_ode'] },
  ],
  cifar10: [
    { row: 'resnet6', script: 'train.py', argv: ['--data', 'cifar', ...IMAGE, '--num_res', '6'] },
    { row: 'resnet1', script: 'train.py', argv: ['--data', 'cifar', ...IMAGE, '--num_res', '1'] },
    { row: 'odenet-rk4', script: 'train.py', argv: ['--data', 'cifar', ...IMAGE, '--use_ode', '--solver', 'runge_kutta', '--tol', '1e-2'] },
    { row: 'odenet-euler', script: 'train.py', argv: ['--data', 'cifar', ...IMAGE, '--use_ode', '--solver', 'euler', '--tol', '1e-2'] },
  ],
  'ag-news': [
    { row: 'vdcnn6', script: 'vdcnn.py', argv: [...TEXT] },
    { row: 'vdcnn1', script: 'vdcnn.py', argv: [...TEXT, '--num_blocks', '1'] },
    { row: 'vdcnn-ode', script: 'vdcnn.py', argv: [...TEXT, '--use_ode', '--solver', 'euler', '--tol', '1e-2'] },
  ],
});

/** The study's epochs and LR step of each script (train.py: 100 epochs, ×0.1 every 40; the text rows: 20, none). */
const STUDY_EPOCHS: Readonly<Record<ReferenceScript, { epochs: number; lrStepEvery?: number }>> = {
  'train.py': { epochs: 100, lrStepEvery: 40 },
  'vdcnn.py': { epochs: 20 },
};

/** How a reproduction departs from the study's command lines (each departure is stated in the report). */
export interface RowOptions {
  /** Run directory of the row. */
  save: string;
  /** A shorter (or longer) schedule: epochs, with the LR step scaled in proportion. */
  epochs?: number;
  /** Another dataset of the same kind (`--data`), e.g. fashion-mnist for the MNIST table. */
  substitute?: string;
  /**
   * The ODE rows integrate with this project's default solver (the trainer's `EXPERIMENT_SOLVER`: bosh3 at
   * rtol = atol = 1e-2, checkpointed gradients) instead of the study's `--solver` / `--tol`.
   */
  projectSolver?: boolean;
  /** Passed through: where the data is, which backend, threads, quick-run limits. */
  extra?: readonly string[];
}

/** What `--epochs N` turns the study's LR schedule into, for the report. */
export function scaledSchedule(script: ReferenceScript, epochs: number): { lrStepEvery?: number; note: string } {
  const study = STUDY_EPOCHS[script];
  if (study.lrStepEvery === undefined) return { note: `${epochs} epochs instead of ${study.epochs} (no LR schedule, as the study's)` };
  const every = Math.max(1, Math.round((study.lrStepEvery * epochs) / study.epochs));
  return { lrStepEvery: every, note: `${epochs} epochs instead of ${study.epochs}; the LR decays ×0.1 every ${every} epochs instead of every ${study.lrStepEvery}` };
}

/** Replaces a flag's value (`--data mnist` → `--data fashion-mnist`), or appends the flag. */
function withFlag(argv: readonly string[], names: readonly string[], value: string): string[] {
  const out: string[] = [];
  let replaced = false;
  for (let i = 0; i < argv.length; i++) {
    if (names.includes(argv[i])) {
      if (!replaced) out.push(names[0], value);
      replaced = true;
      i++;
    } else out.push(argv[i]);
  }
  if (!replaced) out.push(names[0], value);
  return out;
}

/** Drops flags and their values (`--tol 1e-2`). */
function withoutFlags(argv: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (names.includes(argv[i])) i++;
    else out.push(argv[i]);
  }
  return out;
}

/** `neural-ode train` argv of a row: the study's flags under its script's defaults, with the reproduction's changes. */
export function trainArgv(c: StudyCommand, o: RowOptions): string[] {
  let argv = ['--reference', c.script, ...c.argv];
  // A checkpoint every epoch, so that an interrupted row loses at most one epoch when resumed (the study's
  // --save_every only chose which weights it kept; the results do not depend on it).
  if (argv.includes('--save_every')) argv = withFlag(argv, ['--save_every'], '1');
  else argv.push('--save_every', '1');
  if (o.projectSolver && argv.includes('--use_ode')) {
    argv = withoutFlags(argv, ['--solver', '--tol']);
    argv.push('--method', 'bosh3');
  }
  if (o.substitute !== undefined) argv = withFlag(argv, ['--data'], o.substitute);
  if (o.epochs !== undefined) {
    argv = withFlag(argv, ['--epochs', '--max_epo', '--max_epochs'], String(o.epochs));
    const { lrStepEvery } = scaledSchedule(c.script, o.epochs);
    if (lrStepEvery !== undefined) argv.push('--lr-step-every', String(lrStepEvery));
  }
  return ['train', ...argv, '--save', o.save, ...(o.extra ?? [])];
}
