// The image datasets the MNIST optimizee trains on, split once into a training and a test part:
//   mnist          the 10,000 digits embedded in the `mnist` package (engine/data/mnist.ts),
//                  a fixed 9,000 / 1,000 split (split seed 0, the same everywhere);
//   fashion-mnist  the full Fashion-MNIST (60,000 / 10,000) from IDX files: Debian's
//                  dataset-fashion-mnist package installs them in /usr/share/datasets/fashion-mnist
//                  (LAB_FASHION_MNIST names another folder).
// Meta-training and tuning problems train on the training part; test problems can train on the
// test part, so a learned optimizer is tested on images it never saw while it was meta-trained.
import { existsSync } from 'node:fs';
import type { ImageDataset } from '../../../../../engine/data/mnist.ts';
import { loadIdxFolder, loadMnist } from '../../../../../engine/data/mnist.ts';

export type ImageDatasetName = 'mnist' | 'fashion-mnist';

const loaded = new Map<ImageDatasetName, { train: ImageDataset; test: ImageDataset }>();

export function fashionMnistFolder(): string {
  return process.env.LAB_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
}

/** The training or test part of a dataset (loaded once per process). */
export function imageDatasetSplit(name: ImageDatasetName, split: 'train' | 'test'): ImageDataset {
  let splits = loaded.get(name);
  if (!splits) {
    if (name === 'mnist') {
      const s = loadMnist({ seed: 0, sizes: { train: 9000, validation: 0, test: 1000 } });
      splits = { train: s.train, test: s.test };
    } else {
      const folder = fashionMnistFolder();
      if (!existsSync(folder)) {
        throw new Error(
          `the fashion-mnist problem needs the Fashion-MNIST IDX files in ${folder}, which does not exist: ` +
            "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist) or set LAB_FASHION_MNIST to a folder holding them",
        );
      }
      const s = loadIdxFolder(folder, { validation: 0 });
      splits = { train: s.train, test: s.test };
    }
    loaded.set(name, splits);
  }
  return splits[split];
}
