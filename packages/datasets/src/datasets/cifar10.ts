import { CIFAR10_MEMBERS, readCifar10Folder, readCifar10Tar } from '../formats/cifar10-tar';
import type { FileSource } from '../sources/file-source';
import type { DatasetDefinition } from './definition';

const tarball: FileSource = {
  file: 'cifar-10-binary.tar.gz',
  urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
  size: 170052171,
  checksumOrigin: 'md5: published on the CIFAR-10 page; sha256 + size: TensorFlow Datasets url_checksums/cifar10.txt',
};

/**
 * CIFAR-10 (Krizhevsky 2009): 50,000 train / 10,000 test 32×32 colour images, read straight out of
 * `cifar-10-binary.tar.gz` (`data_batch_1..5.bin`, `test_batch.bin`), or from those files in an unpacked
 * `cifar-10-batches-bin/` folder in `dataDir`.
 */
export const cifar10: DatasetDefinition = {
  name: 'cifar10',
  title: 'CIFAR-10 (Krizhevsky, 2009), binary version',
  kind: 'image',
  classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  exampleShape: [32, 32, 3],
  counts: { train: 50000, test: 10000 },
  files: { train: [tarball], test: [tarball] },
  systemDirs: [],
  acceptUncompressed: false,
  normalization: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  augmentation: { cropPadding: 4, horizontalFlip: true },
  read: (ctx) => readCifar10Tar(ctx.paths.get(tarball.file)!, ctx.split),
  unpacked: { folder: 'cifar-10-batches-bin', members: CIFAR10_MEMBERS, read: readCifar10Folder },
};
