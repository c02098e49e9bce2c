import type { DatasetName } from '@neural-ode/datasets';
import type { EpochMetrics } from './events';
import { readRun, type RunInfo } from './run-dir';
import { STUDY_TABLES, studyParams, type StudyTable } from './study';

/**
 * How the reference study presents each dataset's results: its heading, and whether the value column is the test
 * error (MNIST) or the accuracy (CIFAR-10, AG-News), from {@link STUDY_TABLES}. Fashion-MNIST and the MNIST sample
 * follow MNIST.
 */
const PRESENTATION: Readonly<Record<DatasetName, Pick<StudyTable, 'title' | 'metric' | 'metricHeading'>>> = {
  mnist: STUDY_TABLES.mnist,
  'fashion-mnist': { ...STUDY_TABLES.mnist, title: 'Fashion-MNIST classification' },
  'mnist-sample': { ...STUDY_TABLES.mnist, title: 'MNIST sample classification' },
  cifar10: STUDY_TABLES.cifar10,
  'ag-news': STUDY_TABLES['ag-news'],
};

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function row(info: RunInfo, metrics: EpochMetrics[], metric: 'error' | 'accuracy'): string {
  const last = metrics[metrics.length - 1];
  const value = !last ? '–' : (100 * (metric === 'error' ? 1 - last.testAccuracy : last.testAccuracy)).toFixed(2);
  const time = metrics.length ? mean(metrics.map((m) => m.epochSeconds)).toFixed(1) : '–';
  const fwd = metrics.filter((m) => m.nfeForward !== undefined).map((m) => m.nfeForward as number);
  const bwd = metrics.filter((m) => m.nfeBackward !== undefined).map((m) => m.nfeBackward as number);
  const nfe = fwd.length ? `${mean(fwd).toFixed(1)}${bwd.length ? ` / ${mean(bwd).toFixed(1)}` : ''}` : '–';
  const epochs = last ? `${last.epoch} ep.` : 'no epoch yet';
  return `| ${info.label} (${epochs}) | ${value} | ${studyParams(info.params)} | ${time} | ${nfe} |`;
}

/**
 * The reference study's results tables for several run directories, in Markdown: one table per dataset (in the
 * order the runs are given), under the study's heading, with its columns: `Model | Test Error, % | # parameters |
 * Time (s/epoch) | NFE` for MNIST (and Fashion-MNIST), `Accuracy, %` in place of the error for CIFAR-10 and
 * AG-News. The value is the last completed epoch's; parameters as the study prints them ("577 K"); time is the mean
 * seconds per training epoch; NFE the mean function evaluations per forward / backward pass of ODE models
 * (`–` otherwise).
 *
 * @param runDirs - the run directories written by `train`, one row each, grouped by dataset in this order.
 *
 * @example
 * ```ts
 * console.log(await reportRuns(['runs/resnet', 'runs/odenet']));
 * ```
 */
export async function reportRuns(runDirs: string[]): Promise<string> {
  if (!Array.isArray(runDirs) || runDirs.length === 0) {
    throw new Error('reportRuns: runDirs is empty: pass one or more run directories written by train');
  }
  const byData = new Map<DatasetName, string[]>();
  for (const dir of runDirs) {
    const { info, metrics } = readRun(dir);
    const data = info.config.data;
    const { metric } = PRESENTATION[data];
    if (!byData.has(data)) byData.set(data, []);
    byData.get(data)!.push(row(info, metrics, metric));
  }
  const tables = [...byData].map(([data, rows]) => {
    const { title, metricHeading } = PRESENTATION[data];
    return [
      `### ${title}`,
      '',
      `| Model | ${metricHeading} | # parameters | Time (s/epoch) | NFE |`,
      '|---|---:|---:|---:|---:|',
      ...rows,
    ].join('\n');
  });
  return tables.join('\n\n') + '\n';
}
