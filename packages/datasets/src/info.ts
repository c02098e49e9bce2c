import { z } from 'zod';
import { datasetRegistry } from './datasets/registry';
import type { Augmentation, Normalization } from './datasets/definition';
import { DEFAULT_TEXT_FIELDS } from './formats/ag-news-csv';
import { CHAR_SEQUENCE_LENGTH } from './formats/char-quantization';
import { checkStructureCounts, datasetCacheDir, sourceOptionsShape } from './load-dataset';
import { assertDatasetName, splitNames, type DatasetName, type SplitName } from './names';
import { parseOptions } from './parse-options';
import { resolveFileSource, type FileSource } from './sources/file-source';
import { locateFiles, type LocatedFile } from './sources/locate';
import { findUnpacked, unpackedFiles } from './sources/unpacked';

/** Options of {@link info}. */
export const infoOptionsSchema = z
  .object({
    ...sourceOptionsShape,
    /**
     * Count examples per class from the local files (never downloads): the labels of files that match their
     * published checksum; other copies are parsed whole, so a damaged file is an error naming it.
     */
    countClasses: z.boolean().default(true),
  })
  .strict();

/** Options of {@link info}, as accepted (defaults applied by the schema). */
export type InfoOptions = z.input<typeof infoOptionsSchema>;

/** A file of a split: where it comes from and where it is on this machine. */
export interface FileInfo extends FileSource {
  /** The local copy that would be read, or `null` if there is none (it would be downloaded). */
  local: LocatedFile | null;
}

/** Facts about one split. */
export interface SplitInfo {
  /** Examples: counted from the local files when they were read, else the published number. */
  count: number;
  /** Examples per class, by label; `null` when the files are not local (or `countClasses: false`). */
  perClass: number[] | null;
  /** Whether `count`/`perClass` come from reading the files or from the published count. */
  countedFrom: 'files' | 'published';
  files: FileInfo[];
  /** The unpacked folder that is read instead of the archive (CIFAR-10's `cifar-10-batches-bin/` in `dataDir`). */
  unpacked?: string;
}

/** What {@link info} reports about a dataset. */
export interface DatasetInfo {
  name: DatasetName;
  title: string;
  kind: 'image' | 'text';
  classes: readonly string[];
  /** Shape of one example: `[H, W, C]` or `[length]`. */
  exampleShape: readonly number[];
  normalization?: Normalization;
  augmentation?: Augmentation;
  /** AG-News: which fields form the text by default. */
  defaultTextFields?: readonly string[];
  /** This dataset's cache folder. */
  cacheDir: string;
  /** Folders where OS packages put the files. */
  systemDirs: readonly string[];
  splits: Record<SplitName, SplitInfo>;
}

/**
 * Describes a dataset: classes, shapes, counts per split and per class, its files with URLs and checksums, and
 * where they are on this machine. Never downloads.
 *
 * @param name - the dataset, as for `loadDataset`.
 * @param options - where to look for its files (`dataDir`, `cacheDir`), as for `loadDataset`.
 *
 * @example
 * ```ts
 * const i = await info('fashion-mnist');
 * i.splits.train.perClass; // [6000, 6000, ...] when the files are local
 * i.splits.train.files[0].local?.path; // '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'
 * ```
 */
export async function info(name: DatasetName, options: InfoOptions = {}): Promise<DatasetInfo> {
  assertDatasetName('info', name);
  const opts = parseOptions(`info('${name}')`, infoOptionsSchema, options);
  const def = datasetRegistry[name];
  const cacheDir = datasetCacheDir(name, opts.cacheDir);
  const splits = {} as Record<SplitName, SplitInfo>;
  for (const split of splitNames) {
    const sources = def.files[split].map((s) => resolveFileSource(s, opts.mirror, opts.sources));
    const unpackedDir = await findUnpacked(def, split, opts.dataDir);
    let located: LocatedFile[] | null = null;
    if (!unpackedDir) {
      try {
        located = await locateFiles(sources, {
          where: `info('${name}')`,
          dataset: name,
          dataDir: opts.dataDir,
          systemDirs: def.systemDirs,
          cacheDir,
          acceptUncompressed: def.acceptUncompressed,
          download: false,
          settings: { dataset: name, retries: 0, retryDelayMs: 0, timeoutMs: 1 },
        });
      } catch {
        located = null;
      }
    }
    let perClass: number[] | null = null;
    let count = def.counts[split];
    if ((located || unpackedDir) && opts.countClasses) {
      let y: Int32Array;
      if (unpackedDir) {
        y = (await def.unpacked!.read(unpackedDir, split)).y;
        checkStructureCounts(def, split, unpackedFiles(def, split, unpackedDir), y.length);
      } else {
        const ctx = { split, paths: new Map(located!.map((f) => [f.file, f.path])), textFields: DEFAULT_TEXT_FIELDS, sequenceLength: CHAR_SEQUENCE_LENGTH };
        // Reading labels alone is enough for files that match their published checksum; any other copy is parsed
        // whole, so that a truncated or damaged image file is an error, not the label file's count.
        const published = located!.every((f) => f.verified === 'checksum');
        y = def.readLabels && published ? await def.readLabels(ctx) : (await def.read(ctx)).y;
        checkStructureCounts(def, split, located!, y.length);
      }
      perClass = new Array(def.classes.length).fill(0);
      for (const label of y) perClass[label]++;
      count = y.length;
    }
    splits[split] = {
      count,
      perClass,
      countedFrom: perClass ? 'files' : 'published',
      files: sources.map((s, i) => ({ ...s, local: located?.[i] ?? null })),
      ...(unpackedDir ? { unpacked: unpackedDir } : {}),
    };
  }
  return {
    name,
    title: def.title,
    kind: def.kind,
    classes: def.classes,
    exampleShape: def.exampleShape,
    normalization: def.normalization,
    augmentation: def.augmentation,
    defaultTextFields: def.kind === 'text' ? DEFAULT_TEXT_FIELDS : undefined,
    cacheDir,
    systemDirs: def.systemDirs,
    splits,
  };
}
