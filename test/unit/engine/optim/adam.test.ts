import { Adam } from '../../../../engine/optim/index.ts';
import { describeOptimizer } from './harness.ts';
import { adamRef } from './reference.ts';

describeOptimizer('Adam', [
  {
    label: 'defaults',
    make: () => new Adam(),
    torch: ['Adam', {}],
    reference: (t, g) => adamRef(t, g, {}),
  },
  {
    label: 'lr 0.1, betas (0.8, 0.99), eps 1e-6, weight decay 0.1',
    make: () => new Adam({ lr: 0.1, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }),
    torch: ['Adam', { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.1 }],
    reference: (t, g) => adamRef(t, g, { lr: 0.1, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }),
  },
]);
