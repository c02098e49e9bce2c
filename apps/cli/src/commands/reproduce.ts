import { existsSync, mkdirSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, join, relative, resolve as resolvePath } from 'node:path';
import { datasetNames } from '@neural-ode/datasets';
import {
  measureRows,
  plotRuns,
  runState,
  STUDY_ROW_NAMES,
  STUDY_TABLE_NAMES,
  STUDY_TABLES,
  studyReportTable,
  writeFileAtomic,
  type MeasuredRow,
  type StudyRowName,
  type StudyTableName,
} from '@neural-ode/trainer';
import { JSON_FLAG, type CommandSpec, type RunContext } from '../command';
import { CliUsageError, EXIT } from '../errors';
import { emitResult } from '../io';
import { referenceDataName } from '../reference-flags';
import { kubernetesJob, shellWord, slurmScript, type ScheduledRow } from '../reproduce/emit';
import { STUDY_COMMANDS, trainArgv, type StudyCommand } from '../reproduce/rows';

/** The JSON object `reproduce --json` prints. */
export interface ReproduceJsonResult {
  command: 'reproduce';
  tables: StudyTableName[];
  /** Each row: its run directory, what was done with it and how it stands now. */
  rows: Array<{ table: StudyTableName; row: StudyRowName; dir: string; action: 'trained' | 'resumed' | 'skipped' | 'planned' | 'collected'; state: string; command: string }>;
  /** report.md, when written. */
  report?: string;
  /** The emitted scheduler file (`--emit`). */
  emitted?: string;
}

/** The image datasets a table may be substituted with (same input kind as the study's). */
const IMAGE_DATASETS = datasetNames.filter((d) => d !== 'ag-news');

interface Plan {
  table: StudyTableName;
  command: StudyCommand;
  dir: string;
  argv: string[];
}

function parseList<T extends string>(flag: string, text: string, valid: readonly T[]): T[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!(valid as readonly string[]).includes(item)) {
      throw new CliUsageError(`${flag}: unknown ${JSON.stringify(item)}; valid values: ${valid.join(', ')}`, flag);
    }
  }
  if (items.length === 0) throw new CliUsageError(`${flag}: give at least one of ${valid.join(', ')}`, flag);
  return items as T[];
}

function positiveInteger(flag: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliUsageError(`${flag}: ${JSON.stringify(value)} is not a positive integer`, flag);
  return n;
}

/** The rows to run, their run directories and `train` command lines. */
function plan(ctx: RunContext, out: string): { plans: Plan[]; tables: StudyTableName[]; substitute?: string; epochs?: number } {
  const which = ctx.args[0];
  if (which === undefined) throw new CliUsageError(`reproduce: name a table: ${[...STUDY_TABLE_NAMES, 'all'].join(', ')}`, 'table');
  const tables = which === 'all' ? [...STUDY_TABLE_NAMES] : parseList('table', which, STUDY_TABLE_NAMES);
  const rows = ctx.given('rows') ? parseList('--rows', String(ctx.values.rows), STUDY_ROW_NAMES) : undefined;
  const epochs = ctx.given('epochs') ? positiveInteger('--epochs', ctx.values.epochs) : undefined;
  let substitute: string | undefined;
  if (ctx.given('substitute')) {
    substitute = referenceDataName(String(ctx.values.substitute));
    if (!(IMAGE_DATASETS as readonly string[]).includes(substitute)) {
      throw new CliUsageError(`--substitute: ${JSON.stringify(substitute)} is not an image dataset; use one of ${IMAGE_DATASETS.join(', ')}`, '--substitute');
    }
    if (tables.includes('ag-news')) {
      throw new CliUsageError('--substitute replaces the image tables\' dataset; the ag-news table has no substitute: leave it out of the tables', '--substitute');
    }
  }
  const extra: string[] = [];
  for (const [flag, attr] of [['--data-dir', 'dataDir'], ['--backend', 'backend'], ['--threads', 'threads'], ['--limit-train', 'limitTrain'], ['--limit-test', 'limitTest']] as const) {
    if (ctx.given(attr)) extra.push(flag, String(ctx.values[attr]));
  }
  if (ctx.values.download === false) extra.push('--no-download');
  const projectSolver = ctx.values.projectSolver === true;
  const plans: Plan[] = [];
  for (const table of tables) {
    for (const command of STUDY_COMMANDS[table]) {
      if (rows && !rows.includes(command.row)) continue;
      const dir = join(out, `${substitute ?? table}-${command.row}`);
      plans.push({ table, command, dir, argv: trainArgv(command, { save: dir, ...(epochs !== undefined ? { epochs } : {}), ...(substitute ? { substitute } : {}), projectSolver, extra }) });
    }
  }
  if (plans.length === 0) {
    throw new CliUsageError(`--rows: none of ${rows!.join(', ')} is a row of the ${tables.join(', ')} table; rows: ${tables.flatMap((t) => STUDY_COMMANDS[t].map((c) => c.row)).join(', ')}`, '--rows');
  }
  return { plans, tables, ...(substitute ? { substitute } : {}), ...(epochs !== undefined ? { epochs } : {}) };
}

const commandLine = (argv: readonly string[]) => ['neural-ode', ...argv].map(shellWord).join(' ');

/** report.md: per table, our measurement beside the study's, the figures, and how the runs departed from the study. */
async function writeReport(out: string, plans: Plan[], tables: StudyTableName[], substitute: string | undefined): Promise<string> {
  const sections: string[] = [
    '# The study\'s tables, regenerated by neural-ode',
    '',
    `Written by \`neural-ode reproduce\` on ${new Date().toISOString().slice(0, 10)}; machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB. Each row's command is in its run directory's config.json.`,
    '',
  ];
  for (const table of tables) {
    const rows = plans.filter((p) => p.table === table);
    const measured: MeasuredRow[] = measureRows(rows.map((p) => ({ row: p.command.row, dir: p.dir })));
    sections.push(studyReportTable(STUDY_TABLES[table], measured));
    const finished = measured.filter((m) => m.last).map((m) => m.dir);
    if (finished.length > 0) {
      const prefix = join(out, `${substitute ?? table}-figure`);
      await plotRuns(finished, prefix);
      sections.push(`![${table}: test accuracy and loss per epoch](./${relative(out, `${prefix}.png`)})`, '');
    }
    const missing = measured.filter((m) => m.state !== 'finished');
    if (missing.length > 0) {
      sections.push(`Not finished here (${missing.map((m) => m.row).join(', ')}): run them with`, '', '```sh');
      for (const m of missing) sections.push(commandLine(rows.find((p) => p.command.row === m.row)!.argv));
      sections.push('```', '');
    }
  }
  const path = join(out, 'report.md');
  writeFileAtomic(path, sections.join('\n'));
  return path;
}

/** `neural-ode reproduce`: the study's tables, one run directory per row, resumable; or a scheduler file for them. */
export const reproduceCommand: CommandSpec = {
  name: 'reproduce',
  summary: "Regenerate the study's MNIST, CIFAR-10 and AG-News tables: one train run per row (resumable), then report.md with figures.",
  args: [{ name: 'table', description: `Which table: ${STUDY_TABLE_NAMES.join(', ')} (comma-separated) or all.`, required: false }],
  flags: () => [
    { flag: '--out', value: '<dir>', group: 'options', type: 'string', default: 'runs/reproduce', description: 'Where the run directories (<table>-<row>), the figures and report.md go.' },
    { flag: '--rows', value: '<names>', group: 'options', type: 'string', description: `Only these rows (comma-separated): ${STUDY_ROW_NAMES.join(', ')}.` },
    { flag: '--epochs', value: '<n>', group: 'options', type: 'integer', minimum: 1, description: "A shorter schedule than the study's (100 epochs; AG-News 20): the LR step scales with it and the report says so." },
    { flag: '--substitute', value: '<dataset>', group: 'options', type: 'string', description: `Run the image tables on another dataset (${IMAGE_DATASETS.join(', ')}), labelled as such everywhere.` },
    { flag: '--project-solver', group: 'options', description: "ODE rows integrate with this project's default solver (bosh3 at rtol = atol = 1e-2, checkpointed gradients) instead of the study's RK4 / Euler steps; the report says so." },
    { flag: '--data-dir', value: '<dir>', group: 'options', type: 'string', description: "A local directory holding the datasets' files." },
    { flag: '--download', negatable: true, group: 'options', description: 'Download missing datasets (--no-download: fail instead).' },
    { flag: '--backend', value: '<name>', group: 'options', type: 'string', description: 'tfjs backend of every row (auto, tensorflow, native, wasm, cpu).' },
    { flag: '--threads', value: '<n>', group: 'options', type: 'integer', minimum: 1, description: 'Threads of backends that use them.' },
    { flag: '--limit-train', value: '<n>', group: 'options', type: 'integer', minimum: 1, description: 'A seeded subset of N training examples per row (quick runs; the report still compares with the study).' },
    { flag: '--limit-test', value: '<n>', group: 'options', type: 'integer', minimum: 1, description: 'A seeded subset of N test examples per row.' },
    { flag: '--emit', value: '<engine>', group: 'cli', type: 'string', choices: ['slurm', 'k8s'], description: 'Write a scheduler file instead of training here: an sbatch array script (slurm) or an indexed Kubernetes Job (k8s), one task per row.' },
    { flag: '--cpus', value: '<n>', group: 'cli', type: 'integer', minimum: 1, default: 8, description: 'With --emit: CPUs per task.' },
    { flag: '--gpus', value: '<n>', group: 'cli', type: 'integer', minimum: 0, default: 0, description: 'With --emit: GPUs per task.' },
    { flag: '--time', value: '<limit>', group: 'cli', type: 'string', default: '2-00:00:00', description: 'With --emit slurm: wall-time limit per task.' },
    { flag: '--image', value: '<image>', group: 'cli', type: 'string', description: 'With --emit k8s: the container image with neural-ode installed (required).' },
    { flag: '--claim', value: '<pvc>', group: 'cli', type: 'string', default: 'neural-ode-runs', description: 'With --emit k8s: the PersistentVolumeClaim mounted at --out.' },
    { flag: '--bin', value: '<command>', group: 'cli', type: 'string', default: 'neural-ode', description: 'With --emit: how the nodes run the CLI.' },
    { flag: '--collect', group: 'cli', description: 'Train nothing: build report.md from the run directories already in --out (e.g. after a cluster run).' },
    { flag: '--dry-run', group: 'cli', description: 'Print each row\'s train command and what would be done with it; write nothing.' },
    JSON_FLAG,
  ],
  examples: [
    'neural-ode reproduce mnist --dry-run',
    'neural-ode reproduce mnist --substitute fashion-mnist --epochs 10 --out runs/fashion',
    'neural-ode reproduce all --emit slurm --cpus 16 --gpus 1 --out /shared/runs',
    'neural-ode reproduce all --collect --out /shared/runs',
  ],
  async run(ctx) {
    const { io } = ctx;
    const out = resolvePath(io.cwd, ctx.given('out') ? String(ctx.values.out) : 'runs/reproduce');
    if (existsSync(out) && !statSync(out).isDirectory()) throw new CliUsageError(`--out: ${out} is a file; give a directory`, '--out');
    const { plans, tables, substitute } = plan(ctx, out);
    const json = ctx.values.json === true;
    const result: ReproduceJsonResult = { command: 'reproduce', tables, rows: [] };
    const record = (p: Plan, action: ReproduceJsonResult['rows'][number]['action']) =>
      result.rows.push({ table: p.table, row: p.command.row, dir: p.dir, action, state: runState(p.dir), command: commandLine(p.argv) });

    if (ctx.values.dryRun === true) {
      const lines = plans.map((p) => {
        const state = runState(p.dir);
        record(p, 'planned');
        const what = state === 'finished' ? 'skip (finished)' : state === 'started' ? `resume: neural-ode train --resume ${shellWord(p.dir)}` : commandLine(p.argv);
        return `${p.table} ${p.command.row}: ${what}`;
      });
      emitResult(io, json, result, lines);
      return EXIT.ok;
    }

    if (ctx.given('emit')) {
      const engine = String(ctx.values.emit);
      if (engine !== 'slurm' && engine !== 'k8s') throw new CliUsageError(`--emit: ${JSON.stringify(engine)} is not valid; valid values: slurm, k8s`, '--emit');
      const res = {
        cpus: ctx.given('cpus') ? positiveInteger('--cpus', ctx.values.cpus) : 8,
        gpus: ctx.given('gpus') ? Number(ctx.values.gpus) : 0,
        time: ctx.given('time') ? String(ctx.values.time) : '2-00:00:00',
        bin: ctx.given('bin') ? String(ctx.values.bin) : 'neural-ode',
      };
      if (!Number.isInteger(res.gpus) || res.gpus < 0) throw new CliUsageError(`--gpus: ${JSON.stringify(ctx.values.gpus)} is not a whole number >= 0`, '--gpus');
      const rows: ScheduledRow[] = plans.map((p) => ({ name: `${p.table} ${p.command.row}`, dir: p.dir, argv: p.argv }));
      mkdirSync(out, { recursive: true });
      let file: string;
      if (engine === 'slurm') {
        file = join(out, 'reproduce.sbatch');
        writeFileAtomic(file, slurmScript(rows, res, out));
      } else {
        if (!ctx.given('image')) throw new CliUsageError('--emit k8s needs --image: the container image that has neural-ode installed', '--image');
        file = join(out, 'reproduce-job.yaml');
        writeFileAtomic(file, kubernetesJob(rows, res, { image: String(ctx.values.image), claim: ctx.given('claim') ? String(ctx.values.claim) : 'neural-ode-runs', mountPath: out }));
      }
      for (const p of plans) record(p, 'planned');
      result.emitted = file;
      const submit = engine === 'slurm' ? `sbatch ${shellWord(file)}` : `kubectl apply -f ${shellWord(file)}`;
      emitResult(io, json, result, [`written: ${file} (${plans.length} tasks); submit it with: ${submit}`, `then: neural-ode reproduce ${ctx.args[0]} --collect --out ${shellWord(out)}`]);
      return EXIT.ok;
    }

    if (ctx.values.collect !== true) {
      // The rows, one after the other; a finished row is skipped, a started one resumed from its checkpoint.
      const { main } = await import('../main');
      for (const [i, p] of plans.entries()) {
        const state = runState(p.dir);
        const head = `[${i + 1}/${plans.length}] ${p.table} ${p.command.row}`;
        if (state === 'finished') {
          io.stderr(`${head}: finished earlier, skipped (${p.dir})\n`);
          record(p, 'skipped');
          continue;
        }
        const argv = state === 'started' ? ['train', '--resume', p.dir] : p.argv;
        io.stderr(`${head}: ${state === 'started' ? 'resuming' : 'starting'}: ${commandLine(argv)}\n`);
        mkdirSync(out, { recursive: true });
        const code = await main(argv, { ...io, stdout: () => {} });
        if (code !== EXIT.ok) {
          io.stderr(`${head}: train exited ${code}; the rows after it were not run. Run the same reproduce command again to continue.\n`);
          return code;
        }
        record(p, state === 'started' ? 'resumed' : 'trained');
      }
    } else {
      for (const p of plans) record(p, 'collected');
      const none = plans.every((p) => runState(p.dir) === 'missing');
      if (none) {
        throw new CliUsageError(`--collect: no run directory of these rows is in ${out} (looked for ${plans.map((p) => basename(p.dir)).join(', ')}); give the --out of the runs`, '--collect');
      }
    }
    const report = await writeReport(out, plans, tables, substitute);
    result.report = report;
    emitResult(io, json, result, [`written: ${report}`]);
    return EXIT.ok;
  },
};

