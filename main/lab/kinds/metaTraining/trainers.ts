// The meta-training kind's trainers: `meta-train` (one meta-training run of a learned optimizer)
// and the problems learned optimizers are trained and tested on, as optimizer-comparison
// trainers (`l2l-quadratics`, `l2l-mnist`: handcrafted and learned optimizers alike). Listed in
// builtinTrainerModules (main/lab/trainers/registry.ts).
import type { TrainerDefinition } from '../../trainers/trainer.ts';
import { optimizerRunConfig, type OptimizerRunConfig } from '../optimizerComparison/runConfig.ts';
import { MetaTrainer } from './metaTrainer.ts';
import { MetaProblemTrainer } from './problemTrainer.ts';
import { metaTrainingRunConfig, type MetaTrainingRunConfig } from './runConfig.ts';
import { metaTrainTrainerName } from './trainerNames.ts';

export { metaTrainTrainerName };

const metaTrain: TrainerDefinition<MetaTrainingRunConfig> = {
  name: metaTrainTrainerName,
  description:
    'Meta-trains a learned optimizer (L2L LSTM or per-parameter MLP) by truncated BPTT, ES or PES on a problem distribution',
  runConfig: metaTrainingRunConfig,
  create: () => new MetaTrainer(),
};

const problems: TrainerDefinition<OptimizerRunConfig>[] = [
  {
    name: 'l2l-quadratics',
    description: 'Batches of random 10-d quadratics (Andrychowicz et al. 2016), one instance per seed',
    runConfig: optimizerRunConfig,
    create: () => new MetaProblemTrainer(),
  },
  {
    name: 'l2l-mnist',
    description:
      'An MLP on MNIST or Fashion-MNIST minibatches (Andrychowicz et al. 2016), one instance per seed',
    runConfig: optimizerRunConfig,
    create: () => new MetaProblemTrainer(),
  },
];

export const trainers = [metaTrain, ...problems] as TrainerDefinition[];
