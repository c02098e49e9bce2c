import { z } from 'zod';

/** Every dataset {@link loadDataset} knows, in the order the CLI lists them. */
export const datasetNames = ['mnist', 'fashion-mnist', 'mnist-sample', 'cifar10', 'ag-news'] as const;

/** A dataset name: one of {@link datasetNames}. */
export type DatasetName = (typeof datasetNames)[number];

/** Zod schema of a dataset name (for CLIs and configs). */
export const datasetNameSchema = z.enum(datasetNames);

/** The two splits every dataset has. */
export const splitNames = ['train', 'test'] as const;

/** `train` or `test`. */
export type SplitName = (typeof splitNames)[number];

/** Checks a dataset name, with an error that lists the valid ones. */
export function assertDatasetName(where: string, name: unknown): DatasetName {
  if (typeof name === 'string' && (datasetNames as readonly string[]).includes(name)) return name as DatasetName;
  throw new Error(
    `${where}: name ${JSON.stringify(name)} is not a dataset; use one of ${datasetNames.map((n) => `'${n}'`).join(', ')}`,
  );
}
