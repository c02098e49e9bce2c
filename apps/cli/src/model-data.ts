import type { DatasetName } from '@neural-ode/datasets';
import { modelRegistry } from '@neural-ode/models';
import { CliUsageError } from './errors';

/**
 * What each dataset's examples are, to match them with a model's `inputKind` before anything is loaded or written.
 * (`@neural-ode/datasets` knows this per dataset but only reports it from `info()`, which reads and hashes files.)
 */
const DATASET_KINDS: Readonly<Record<DatasetName, 'image' | 'text'>> = {
  mnist: 'image',
  'fashion-mnist': 'image',
  'mnist-sample': 'image',
  cifar10: 'image',
  'ag-news': 'text',
};

/**
 * Checks that `model` takes the kind of examples `data` holds (images or texts): otherwise a usage error naming
 * `flag` (`--model`, or `--data` when the model is fixed, as a checkpoint's is) and the models and datasets that fit.
 */
export function checkModelFitsData(model: string, data: string, flag: '--model' | '--data'): void {
  const dataKind = DATASET_KINDS[data as DatasetName];
  const modelKind = modelRegistry[model as keyof typeof modelRegistry]?.inputKind;
  if (!dataKind || !modelKind || modelKind === dataKind) return;
  const models = Object.entries(modelRegistry).filter(([, m]) => m.inputKind === dataKind).map(([name]) => name);
  const datasets = Object.entries(DATASET_KINDS).filter(([, kind]) => kind === modelKind).map(([name]) => name);
  const what = flag === '--model' ? `--model ${model} is a model` : `the checkpoint's model, ${model}, is a model`;
  throw new CliUsageError(
    `${what} of ${modelKind}s, but --data ${data} holds ${dataKind}s: ` +
      (flag === '--model' ? `use --model ${models.join(' or ')} for ${data}, or ` : 'use ') +
      `--data ${datasets.join(' / ')} for ${model}`,
    flag,
  );
}
