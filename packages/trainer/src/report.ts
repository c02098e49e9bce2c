import { readRun } from './run-dir';

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * A Markdown table `Model | Test error % | # params | Time (s/epoch) | NFE` with one row per run directory, in the
 * format of the reference study's tables: the test error of the last completed epoch, trainable parameters, mean
 * seconds per training epoch, and for ODE models the mean NFE per forward / backward pass (`–` otherwise).
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
  const lines = ['| Model | Test error % | # params | Time (s/epoch) | NFE |', '|---|---:|---:|---:|---:|'];
  for (const dir of runDirs) {
    const { info, metrics } = readRun(dir);
    const last = metrics[metrics.length - 1];
    const error = last ? (100 * (1 - last.testAccuracy)).toFixed(2) : '–';
    const time = metrics.length ? mean(metrics.map((m) => m.epochSeconds)).toFixed(1) : '–';
    const fwd = metrics.filter((m) => m.nfeForward !== undefined).map((m) => m.nfeForward as number);
    const bwd = metrics.filter((m) => m.nfeBackward !== undefined).map((m) => m.nfeBackward as number);
    const nfe = fwd.length ? `${mean(fwd).toFixed(1)}${bwd.length ? ` / ${mean(bwd).toFixed(1)}` : ''}` : '–';
    const epochs = last ? ` (${last.epoch} ep., ${info.config.data})` : ` (no epoch, ${info.config.data})`;
    lines.push(`| ${info.label}${epochs} | ${error} | ${info.params.toLocaleString('en-US')} | ${time} | ${nfe} |`);
  }
  return lines.join('\n') + '\n';
}
