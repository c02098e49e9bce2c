import type { FileSource } from '../sources/file-source';
import type { DatasetDefinition } from './definition';
import { readMnistFormat, readMnistFormatLabels } from './mnist';

const ORIGIN =
  'md5: published in the Fashion-MNIST README (and torchvision); sha256 + size: TensorFlow Datasets url_checksums/fashion_mnist.txt';

function fashionFile(file: string, md5: string, sha256: string, size: number): FileSource {
  return {
    file,
    urls: [
      `http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/${file}`,
      `https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/${file}`,
    ],
    md5,
    sha256,
    size,
    checksumOrigin: ORIGIN,
  };
}

const files = {
  train: [
    fashionFile('train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d', '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 26421880),
    fashionFile('train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe', 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', 29515),
  ],
  test: [
    fashionFile('t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79', '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 4422102),
    fashionFile('t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310', '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', 5148),
  ],
};

/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando): 60,000 / 10,000 28×28 grey images of clothing, same IDX format
 * as MNIST. Also found in `/usr/share/datasets/fashion-mnist/` (Debian's `dataset-fashion-mnist`), whose files are
 * re-gzipped: their checksums differ from the published ones, so they are verified by structure instead.
 */
export const fashionMnist: DatasetDefinition = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando Research)',
  kind: 'image',
  classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  exampleShape: [28, 28, 1],
  counts: { train: 60000, test: 10000 },
  files,
  systemDirs: ['/usr/share/datasets/fashion-mnist'],
  acceptUncompressed: true,
  normalization: { mean: [0.5], std: [0.5] },
  augmentation: { cropPadding: 4, horizontalFlip: false },
  read: (ctx) => readMnistFormat(ctx, files[ctx.split]),
  readLabels: (ctx) => readMnistFormatLabels(ctx, files[ctx.split]),
};
