import { readFile } from 'node:fs/promises';
import { IDX_LABELS_MAGIC, parseIdx, readIdxPair } from '../formats/idx';
import { maybeGunzip } from '../formats/gzip';
import type { FileSource } from '../sources/file-source';
import type { DatasetDefinition, ReadContext } from './definition';

const MD5_ORIGIN = 'md5: published with torchvision (datasets/mnist.py); sha256 + size: TensorFlow Datasets url_checksums/mnist.txt';

function mnistFile(file: string, md5: string, sha256: string, size: number): FileSource {
  return {
    file,
    urls: [
      `https://storage.googleapis.com/cvdf-datasets/mnist/${file}`,
      `https://ossci-datasets.s3.amazonaws.com/mnist/${file}`,
      `http://yann.lecun.com/exdb/mnist/${file}`,
    ],
    md5,
    sha256,
    size,
    checksumOrigin: MD5_ORIGIN,
  };
}

/** Reads an MNIST-format split (a pair of IDX files) for MNIST and Fashion-MNIST. */
export async function readMnistFormat(ctx: ReadContext, files: readonly FileSource[]) {
  const [images, labels] = files.map((f) => ctx.paths.get(f.file)!);
  return readIdxPair(images, labels, { rows: 28, cols: 28, numClasses: 10 });
}

/** Reads only the labels file of an MNIST-format split. */
export async function readMnistFormatLabels(ctx: ReadContext, files: readonly FileSource[]): Promise<Int32Array> {
  const path = ctx.paths.get(files[1].file)!;
  return Int32Array.from(parseIdx(maybeGunzip(await readFile(path), path), IDX_LABELS_MAGIC, path).data);
}

const files = {
  train: [
    mnistFile('train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873', '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422),
    mnistFile('train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432', '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881),
  ],
  test: [
    mnistFile('t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3', '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877),
    mnistFile('t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c', 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542),
  ],
};

/** MNIST handwritten digits (LeCun, Cortes & Burges): 60,000 train / 10,000 test, 28×28 grey. */
export const mnist: DatasetDefinition = {
  name: 'mnist',
  title: 'MNIST handwritten digits (LeCun, Cortes & Burges)',
  kind: 'image',
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  exampleShape: [28, 28, 1],
  counts: { train: 60000, test: 10000 },
  files,
  systemDirs: [],
  acceptUncompressed: true,
  normalization: { mean: [0.5], std: [0.5] },
  augmentation: { cropPadding: 4, horizontalFlip: false },
  read: (ctx) => readMnistFormat(ctx, files[ctx.split]),
  readLabels: (ctx) => readMnistFormatLabels(ctx, files[ctx.split]),
};
