import { Adagrad } from '../../../../engine/optim/index.ts';
import { describeOptimizer } from './harness.ts';
import { adagradRef } from './reference.ts';

describeOptimizer('Adagrad', [
  {
    label: 'defaults',
    make: () => new Adagrad(),
    torch: ['Adagrad', {}],
    reference: (t, g) => adagradRef(t, g, { lr: 0.01 }),
  },
  {
    label: 'lr 0.5, lr decay 0.1, initial accumulator 0.2, weight decay 0.01',
    make: () => new Adagrad({ lr: 0.5, lrDecay: 0.1, initialAccumulatorValue: 0.2, weightDecay: 0.01 }),
    torch: ['Adagrad', { lr: 0.5, lr_decay: 0.1, initial_accumulator_value: 0.2, weight_decay: 0.01 }],
    reference: (t, g) =>
      adagradRef(t, g, { lr: 0.5, lrDecay: 0.1, initialAccumulatorValue: 0.2, weightDecay: 0.01 }),
  },
]);
