// The images a distillation run sees: the task's fixed train / validation / test split (the same
// for mentor and students, whatever their seeds), and the transfer set students learn from — a
// seeded fraction of the training split, without the omitted class.
import type { Splits } from '../../../../engine/data/dataset.ts';
import { loadIdxFolder, loadMnist, type ImageDataset } from '../../../../engine/data/mnist.ts';
import { seededFraction, withoutLabel } from '../../../../engine/data/subsets.ts';
import type { ImageTask } from './config.ts';
import type { DistillationRunConfig } from './runConfig.ts';

const loaded = new Map<string, Splits<ImageDataset>>();

export function loadImageSplits(task: ImageTask): Splits<ImageDataset> {
  const key = JSON.stringify(task);
  let splits = loaded.get(key);
  if (!splits) {
    splits =
      task.name === 'mnist'
        ? loadMnist({
            seed: task.splitSeed,
            sizes: { train: task.trainSize, validation: task.validationSize, test: task.testSize },
          })
        : loadIdxFolder(task.folder, { validation: task.validationSize, seed: task.splitSeed });
    loaded.set(key, splits);
  }
  return splits;
}

/** The rows students learn from: a fraction of the training split (seeded), then without one class. */
export function transferSet(
  train: ImageDataset,
  transfer: NonNullable<DistillationRunConfig['transfer']>,
): ImageDataset {
  const part = seededFraction(train, transfer.fraction, transfer.subsetSeed);
  const rows = transfer.omitClass === undefined ? part : withoutLabel(part, transfer.omitClass);
  if (rows.y.shape[0] === 0) {
    throw new Error(
      `the transfer set is empty: ${transfer.fraction} of ${train.y.shape[0]} training images` +
        (transfer.omitClass === undefined ? '' : ` without class ${transfer.omitClass}`) +
        ' leaves none (experiment.transfer.fraction)',
    );
  }
  return rows;
}
