import { loadDataset, type DatasetSplit } from '@neural-ode/datasets';
import type { TrainConfig } from './config';

/** Train and test splits of a run, in memory. */
export interface RunSplits {
  train: DatasetSplit;
  test: DatasetSplit;
}

/** The first `n` examples of a split (views, no copy). */
export function limitSplit(split: DatasetSplit, n: number | undefined): DatasetSplit {
  if (n === undefined || n >= split.count) return split;
  const size = split.shape.slice(1).reduce((a, b) => a * b, 1);
  const shape = [n, ...split.shape.slice(1)];
  if (split.kind === 'image') {
    return { ...split, count: n, x: split.x.subarray(0, n * size), y: split.y.subarray(0, n), shape: shape as typeof split.shape };
  }
  return { ...split, count: n, x: split.x.subarray(0, n * size), y: split.y.subarray(0, n), shape: shape as typeof split.shape };
}

/**
 * The run's splits: `given` (tests, custom data) or `config.data` loaded by `@neural-ode/datasets`, cut to
 * `limitTrain` / `limitTest`.
 */
export async function loadRunSplits(
  config: Pick<TrainConfig, 'data' | 'dataDir' | 'download' | 'limitTrain' | 'limitTest' | 'seqLen'>,
  given?: RunSplits,
  onProgress?: (line: string) => void,
): Promise<RunSplits> {
  let splits = given;
  if (!splits) {
    const opts = { dataDir: config.dataDir, download: config.download, sequenceLength: config.seqLen };
    let last = 0;
    const progress = (p: { bytes: number; total?: number | null }) => {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      onProgress?.(`downloading ${config.data}: ${(p.bytes / 1e6).toFixed(1)}${p.total ? ` / ${(p.total / 1e6).toFixed(1)}` : ''} MB`);
    };
    const train = await loadDataset(config.data, { split: 'train', ...opts, onProgress: progress });
    const test = await loadDataset(config.data, { split: 'test', ...opts, onProgress: progress });
    splits = { train, test };
  }
  for (const which of ['train', 'test'] as const) {
    const s = splits[which] as DatasetSplit | undefined;
    if (!s || typeof s !== 'object' || !('kind' in s) || !(s.y instanceof Int32Array)) {
      throw new Error(`train: splits.${which} is not a dataset split: pass what loadDataset() from @neural-ode/datasets returns`);
    }
  }
  return { train: limitSplit(splits.train, config.limitTrain), test: limitSplit(splits.test, config.limitTest) };
}
