import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EpochMetrics } from './events';
import { readRun, RUN_FILES, type RunInfo } from './run-dir';

/** Where the study's numbers come from. */
export const STUDY_SOURCE =
  'saparina/neural-ode, README.md ("Experiments with Neural Ordinary Differential Equations on image and text classification tasks"), its MNIST, CIFAR-10 and AG-News tables';

/** The rows of the study's tables, by the names `neural-ode reproduce --rows` takes. */
export const STUDY_ROW_NAMES = ['resnet6', 'resnet1', 'odenet-rk4', 'odenet-euler', 'vdcnn6', 'vdcnn1', 'vdcnn-ode'] as const;

/** A row name of the study's tables. */
export type StudyRowName = (typeof STUDY_ROW_NAMES)[number];

/** The study's tables, by dataset. */
export const STUDY_TABLE_NAMES = ['mnist', 'cifar10', 'ag-news'] as const;

/** A table of the study: `mnist`, `cifar10` or `ag-news`. */
export type StudyTableName = (typeof STUDY_TABLE_NAMES)[number];

/** One row of a study table, as the study printed it. */
export interface StudyRow {
  row: StudyRowName;
  /** The study's model name. */
  model: string;
  /** Test error % (MNIST) or accuracy % (CIFAR-10, AG-News), as printed. */
  value: number;
  /** Parameters, as printed ("577 K"). */
  params: string;
  /** Seconds per training epoch, as printed (the study's GPU). */
  secondsPerEpoch: number;
}

/** One of the study's tables. */
export interface StudyTable {
  table: StudyTableName;
  /** The study's heading. */
  title: string;
  /** What the value column is. */
  metric: 'error' | 'accuracy';
  /** The study's column heading of the value. */
  metricHeading: 'Test Error, %' | 'Accuracy, %';
  rows: readonly StudyRow[];
}

/** The study's three tables, as data ({@link STUDY_SOURCE}). */
export const STUDY_TABLES: Readonly<Record<StudyTableName, StudyTable>> = Object.freeze({
  mnist: {
    table: 'mnist',
    title: 'MNIST classification',
    metric: 'error',
    metricHeading: 'Test Error, %',
    rows: [
      { row: 'resnet6', model: 'ResNet(6)', value: 0.34, params: '577 K', secondsPerEpoch: 13.18 },
      { row: 'resnet1', model: 'ResNet(1)', value: 0.37, params: '207 K', secondsPerEpoch: 11.21 },
      { row: 'odenet-rk4', model: 'OdeNet (Runge-Kutta)', value: 0.45, params: '207 K', secondsPerEpoch: 254.42 },
    ],
  },
  cifar10: {
    table: 'cifar10',
    title: 'CIFAR-10 classification',
    metric: 'accuracy',
    metricHeading: 'Accuracy, %',
    rows: [
      { row: 'resnet6', model: 'ResNet(6)', value: 86.7, params: '577 K', secondsPerEpoch: 12.25 },
      { row: 'resnet1', model: 'ResNet(1)', value: 84.19, params: '207 K', secondsPerEpoch: 9.84 },
      { row: 'odenet-rk4', model: 'OdeNet (Runge-Kutta)', value: 84.85, params: '207 K', secondsPerEpoch: 1860.31 },
      { row: 'odenet-euler', model: 'OdeNet (Euler)', value: 84.62, params: '207 K', secondsPerEpoch: 159.02 },
    ],
  },
  'ag-news': {
    table: 'ag-news',
    title: 'Text classification (AG-News)',
    metric: 'accuracy',
    metricHeading: 'Accuracy, %',
    rows: [
      { row: 'vdcnn6', model: 'VdCNN(6)', value: 88.46, params: '287 K', secondsPerEpoch: 311 },
      { row: 'vdcnn1', model: 'VdCNN(1)', value: 87.75, params: '162 K', secondsPerEpoch: 172 },
      { row: 'vdcnn-ode', model: 'OdeNet (Euler)', value: 84.21, params: '162 K', secondsPerEpoch: 4874 },
    ],
  },
});

/**
 * Parameters as the study prints them: thousands, rounded, with a K ("577 K").
 * @param count - the number of trainable parameters, e.g. `model.countParams()`.
 */
export function studyParams(count: number): string {
  return `${Math.round(count / 1000)} K`;
}

/** Where a row's run stands. */
export type RowState = 'missing' | 'started' | 'finished';

/** A run directory's state, and what it holds when it can be read. */
function readRow(dir: string): { state: RowState; run?: ReturnType<typeof readRun> } {
  if (!existsSync(join(dir, RUN_FILES.config))) return { state: 'missing' };
  try {
    const run = readRun(dir);
    const last = run.metrics[run.metrics.length - 1];
    return { state: last && last.epoch >= run.info.config.epochs ? 'finished' : 'started', run };
  } catch {
    return { state: 'started' };
  }
}

/**
 * A run directory's state: no run, a run short of its epochs, or a run whose metrics reached its `epochs`.
 * @param dir - the row's run directory; `missing` when it has no `config.json`, `started` when it cannot be read.
 */
export function runState(dir: string): RowState {
  return readRow(dir).state;
}

/** A row of a reproduction: which study row, and the run directory that measured it. */
export interface ReproducedRow {
  row: StudyRowName;
  dir: string;
}

/** What was measured for one row (absent fields: not measured yet). */
export interface MeasuredRow {
  row: StudyRowName;
  dir: string;
  state: RowState;
  info?: RunInfo;
  last?: EpochMetrics;
  /** Mean seconds per training epoch. */
  secondsPerEpoch?: number;
  /** Mean NFE per forward / backward pass (ODE rows). */
  nfe?: { forward: number; backward?: number };
}

/**
 * Reads what each row's run directory holds.
 * @param rows - the study rows with the run directory that reproduces each.
 */
export function measureRows(rows: readonly ReproducedRow[]): MeasuredRow[] {
  return rows.map(({ row, dir }) => {
    // One read per row: its state and what it measured (an unreadable run is 'started', with nothing measured).
    const { state, run } = readRow(dir);
    if (!run) return { row, dir, state };
    const { info, metrics } = run;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const fwd = metrics.flatMap((m) => (m.nfeForward !== undefined ? [m.nfeForward] : []));
    const bwd = metrics.flatMap((m) => (m.nfeBackward !== undefined ? [m.nfeBackward] : []));
    return {
      row,
      dir,
      state,
      info,
      ...(metrics.length ? { last: metrics[metrics.length - 1], secondsPerEpoch: mean(metrics.map((m) => m.epochSeconds)) } : {}),
      ...(fwd.length ? { nfe: { forward: mean(fwd), ...(bwd.length ? { backward: mean(bwd) } : {}) } } : {}),
    };
  });
}

/** The study's epochs and LR schedule per table (train.py: 100 epochs, ×0.1 every 40; vdcnn.py: 20, constant). */
const STUDY_SCHEDULE: Readonly<Record<StudyTableName, { epochs: number; every?: number }>> = {
  mnist: { epochs: 100, every: 40 },
  cifar10: { epochs: 100, every: 40 },
  'ag-news': { epochs: 20 },
};

/** The study's ODE solver per table and row: RK4 (3/8 rule, as torchdiffeq's) or Euler, step from `--tol 1e-2`. */
const STUDY_ODE_SOLVER: Readonly<Partial<Record<StudyRowName, { method: string; stepSize: number }>>> = {
  'odenet-rk4': { method: 'rk4', stepSize: 0.04 },
  'odenet-euler': { method: 'euler', stepSize: 0.01 },
  'vdcnn-ode': { method: 'euler', stepSize: 0.01 },
};

/**
 * One study table in Markdown: the study's columns (model, error or accuracy %, parameters, seconds per epoch) with
 * this project's measurement of each row beside the study's figure, plus epochs and NFE. Below it, every way the runs
 * departed from the study, read from their own `config.json`: the dataset, the epochs and LR schedule, the ODE
 * solver, the backend, quick-run subsets.
 * @param table - the study table to reproduce (its title, metric and rows with the study's figures).
 * @param measured - what `measureRows` read for the rows of that table; rows not measured yet show as such.
 */
export function studyReportTable(table: StudyTable, measured: readonly MeasuredRow[]): string {
  const infos = measured.flatMap((m) => (m.info ? [m.info] : []));
  const datasets = [...new Set(infos.map((i) => i.config.data))];
  const substituted = datasets.filter((d) => d !== table.table);
  const lines = [
    `### ${table.title}${substituted.length ? ` — run on ${substituted.join(', ')}` : ''}`,
    '',
    `| Model | ${table.metricHeading} (study) | ${table.metricHeading} (ours) | # parameters (study) | # parameters (ours) | Time (s/epoch, study) | Time (s/epoch, ours) | Epochs (ours) | NFE fwd / bwd (ours) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of table.rows) {
    const m = measured.find((x) => x.row === s.row);
    const value = m?.last ? (table.metric === 'error' ? 100 * (1 - m.last.testAccuracy) : 100 * m.last.testAccuracy).toFixed(2) : '–';
    const params = m?.info ? studyParams(m.info.params) : '–';
    const time = m?.secondsPerEpoch !== undefined ? m.secondsPerEpoch.toFixed(1) : '–';
    const epochs = m?.last ? `${m.last.epoch}${m.info && m.last.epoch < m.info.config.epochs ? ` of ${m.info.config.epochs}` : ''}` : m?.state === 'started' ? '0' : '–';
    const nfe = m?.nfe ? `${m.nfe.forward.toFixed(1)}${m.nfe.backward !== undefined ? ` / ${m.nfe.backward.toFixed(1)}` : ''}` : '–';
    lines.push(`| ${s.model} | ${s.value} | ${value} | ${s.params} | ${params} | ${s.secondsPerEpoch} | ${time} | ${epochs} | ${nfe} |`);
  }
  lines.push('');
  lines.push(`Dataset: ${datasets.length ? datasets.map((d) => (d === table.table ? d : `${d} (substituted for ${table.table})`)).join(', ') : table.table}.`);
  const study = STUDY_SCHEDULE[table.table];
  for (const e of [...new Set(infos.map((i) => i.config.epochs))].filter((e) => e !== study.epochs)) {
    const every = infos.find((i) => i.config.epochs === e && i.config.lrSchedule.type === 'step');
    const schedule = every && every.config.lrSchedule.type === 'step' ? `; the LR decays ×${every.config.lrSchedule.gamma} every ${every.config.lrSchedule.every} epochs` : '';
    lines.push(`Epochs: ${e} instead of the study's ${study.epochs}${schedule}${study.every ? ` (the study: every ${study.every})` : ''}.`);
  }
  for (const m of measured) {
    const want = STUDY_ODE_SOLVER[m.row];
    const s = m.info?.config.solver;
    if (!want || !s) continue;
    const same = s.method === want.method && s.stepping === 'fixed' && Math.abs((s.stepSize ?? 0) - want.stepSize) < 1e-12;
    if (!same) {
      const ours = s.stepping === 'fixed' ? `${s.method} at step ${s.stepSize}` : `${s.method} at rtol ${String(s.rtol)}, atol ${String(s.atol)}`;
      lines.push(`${m.row}: integrated with ${ours} (${s.gradient.mode} gradients), not the study's ${want.method} at step ${want.stepSize}.`);
    }
  }
  const limits = infos.filter((i) => i.config.limitTrain !== undefined || i.config.limitTest !== undefined);
  if (limits.length) {
    const i = limits[0].config;
    lines.push(`Quick run: subsets of ${i.limitTrain ?? 'all'} training and ${i.limitTest ?? 'all'} test examples, not the full splits.`);
  }
  const backends = [...new Set(infos.map((i) => `${i.backend.name} (${i.backend.threads} threads)`))];
  if (backends.length) lines.push(`Backend: ${backends.join(', ')}; started ${[...new Set(infos.map((i) => i.startedAt.slice(0, 10)))].join(', ')}.`);
  lines.push(`The study's figures: ${STUDY_SOURCE}; its times were measured on its own hardware.`);
  return lines.join('\n') + '\n';
}
