/**
 * `@neural-ode/datasets`: MNIST, Fashion-MNIST, an MNIST sample, CIFAR-10 and AG-News from their real files —
 * downloaded with checksums, cached, parsed, augmented and batched as TensorFlow.js tensors.
 * @packageDocumentation
 */
export { datasetNames, datasetNameSchema, splitNames } from './names';
export type { DatasetName, SplitName } from './names';
export { loadDataset, loadDatasetOptionsSchema, datasetCacheDir } from './load-dataset';
export type { LoadDatasetOptions, DatasetSplit, ImageSplit, TextSplit } from './load-dataset';
export { batches, batchesOptionsSchema } from './pipeline/batches';
export type { Batch, BatchStream, BatchesOptions } from './pipeline/batches';
export { subsetSplit } from './pipeline/subset';
export type { SplitSubset } from './pipeline/subset';
export { info, infoOptionsSchema } from './info';
export type { DatasetInfo, SplitInfo, FileInfo, InfoOptions } from './info';
export { defaultCacheRoot } from './sources/cache-dir';
export { fileSourceOverrideSchema } from './sources/file-source';
export type { FileSource, FileSourceOverride } from './sources/file-source';
export type { DownloadProgress } from './sources/download';
export type { LocatedFile } from './sources/locate';
export type { Normalization, Augmentation } from './datasets/definition';
export {
  CHAR_ALPHABET,
  CHAR_SEQUENCE_LENGTH,
  PADDING_CHAR_ID,
  UNKNOWN_CHAR_ID,
  quantizeText,
} from './formats/char-quantization';
export { agNewsFields, DEFAULT_TEXT_FIELDS } from './formats/ag-news-csv';
export type { AgNewsField } from './formats/ag-news-csv';
export { MNIST_SAMPLE_TEST_EVERY } from './datasets/mnist-sample';
