import { AdaDelta } from '../../../../engine/optim/index.ts';
import { describeOptimizer } from './harness.ts';
import { adadeltaRef } from './reference.ts';

describeOptimizer('AdaDelta', [
  {
    label: 'defaults (lr 1, rho 0.9, eps 1e-6)',
    make: () => new AdaDelta(),
    torch: ['Adadelta', {}],
    reference: (t, g) => adadeltaRef(t, g, {}),
  },
  {
    label: 'lr 0.5, rho 0.95, eps 1e-4, weight decay 0.1',
    make: () => new AdaDelta({ lr: 0.5, rho: 0.95, eps: 1e-4, weightDecay: 0.1 }),
    torch: ['Adadelta', { lr: 0.5, rho: 0.95, eps: 1e-4, weight_decay: 0.1 }],
    reference: (t, g) => adadeltaRef(t, g, { lr: 0.5, rho: 0.95, eps: 1e-4, weightDecay: 0.1 }),
  },
]);
