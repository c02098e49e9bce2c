import type { DatasetName } from '../names';
import { agNews } from './ag-news';
import { cifar10 } from './cifar10';
import type { DatasetDefinition } from './definition';
import { fashionMnist } from './fashion-mnist';
import { mnist } from './mnist';
import { mnistSample } from './mnist-sample';

/** Every dataset definition, by name. */
export const datasetRegistry: Readonly<Record<DatasetName, DatasetDefinition>> = {
  mnist,
  'fashion-mnist': fashionMnist,
  'mnist-sample': mnistSample,
  cifar10,
  'ag-news': agNews,
};
