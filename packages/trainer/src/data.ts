import { loadDataset, subsetSplit, type DatasetSplit, type LocatedFile } from '@neural-ode/datasets';
import type { TrainConfig } from './config';

/** Train and test splits of a run, in memory. */
export interface RunSplits {
  train: DatasetSplit;
  test: DatasetSplit;
}

/** What {@link loadRunSplits} returns: the splits, and what the user should know about them. */
export interface LoadedRunSplits extends RunSplits {
  /** Things worth a warning: data files that failed their published checksum, subsets that lack classes. */
  warnings: string[];
  /** The data files that were read (both splits), as `config.json` records them; empty for given splits. */
  files: LocatedFile[];
}

/**
 * A seeded, class-balanced subset of `n` examples of a split (see `subsetSplit` in `@neural-ode/datasets`), and a
 * warning when it lacks classes; the split itself when `n` is undefined or covers it.
 * @param what - names the subset in the warning, e.g. `the test subset (limitTest = 200)`.
 */
export function limitSplit(
  split: DatasetSplit,
  n: number | undefined,
  seed: number,
  what: string,
): { split: DatasetSplit; warning?: string } {
  const { split: out, missingClasses } = n === undefined ? subsetSplit(split, split.count, seed) : subsetSplit(split, n, seed);
  if (missingClasses.length === 0) return { split: out };
  const names = missingClasses.map((c) => split.classes[c]).join(', ');
  let inSplit = 0;
  for (const label of split.y) if (missingClasses.includes(label)) inSplit++;
  const why =
    out === split || inSplit === 0
      ? ''
      : `: the whole split has only ${inSplit} such examples in ${split.count}; raise the limit to keep some`;
  return { split: out, warning: `warning: ${what} has ${out.count} examples and none of class ${names}${why}` };
}

/** Warnings for data files that could not be verified by their published checksum. */
export function dataFileWarnings(files: readonly LocatedFile[]): string[] {
  return files
    .filter((f) => f.verified !== 'checksum')
    .map(
      (f) =>
        `warning: ${f.path} ${f.note ?? 'could not be verified by checksum'}; it is used because it holds exactly the ` +
        `published number of examples (recorded in config.json as dataFiles)`,
    );
}

/**
 * The run's splits: `given` (tests, custom data) or `config.data` loaded by `@neural-ode/datasets`, cut to seeded,
 * class-balanced subsets of `limitTrain` / `limitTest` examples (seeded by `config.seed`, so a resumed run gets the
 * same subsets).
 */
export async function loadRunSplits(
  config: Pick<TrainConfig, 'data' | 'dataDir' | 'download' | 'limitTrain' | 'limitTest' | 'seqLen' | 'seed'>,
  given?: RunSplits,
  onProgress?: (line: string) => void,
): Promise<LoadedRunSplits> {
  let splits = given;
  if (!splits) {
    const opts = { dataDir: config.dataDir, download: config.download, sequenceLength: config.seqLen };
    let last = 0;
    const progress = (p: { bytes: number; total?: number | null; url?: string; connecting?: boolean }) => {
      if (p.connecting) {
        onProgress?.(`downloading ${config.data}: connecting to ${p.url ?? 'the server'}…`);
        return;
      }
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
  const files = given ? [] : uniqueFiles([...splits.train.files, ...splits.test.files]);
  const train = limitSplit(splits.train, config.limitTrain, config.seed, `the training set${config.limitTrain !== undefined ? ` (limitTrain = ${config.limitTrain})` : ''}`);
  const test = limitSplit(splits.test, config.limitTest, config.seed, `the test set${config.limitTest !== undefined ? ` (limitTest = ${config.limitTest})` : ''}`);
  const warnings = [...dataFileWarnings(files), ...[train.warning, test.warning].filter((w): w is string => w !== undefined)];
  return { train: train.split, test: test.split, warnings, files };
}

/** CIFAR-10's splits share one archive: list each file once. */
function uniqueFiles(files: LocatedFile[]): LocatedFile[] {
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(f.path) && seen.add(f.path));
}
