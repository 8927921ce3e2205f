import { RMSProp } from '../../../../engine/optim/index.ts';
import { describeOptimizer } from './harness.ts';
import { rmspropRef } from './reference.ts';

describeOptimizer('RMSProp', [
  {
    label: 'defaults',
    make: () => new RMSProp(),
    torch: ['RMSprop', {}],
    reference: (t, g) => rmspropRef(t, g, { lr: 0.01 }),
  },
  {
    label: 'momentum 0.9, alpha 0.9',
    make: () => new RMSProp({ lr: 0.02, alpha: 0.9, momentum: 0.9 }),
    torch: ['RMSprop', { lr: 0.02, alpha: 0.9, momentum: 0.9 }],
    reference: (t, g) => rmspropRef(t, g, { lr: 0.02, alpha: 0.9, momentum: 0.9 }),
  },
  {
    label: 'centered, momentum 0.5, weight decay 0.1, eps 1e-4',
    make: () => new RMSProp({ centered: true, momentum: 0.5, weightDecay: 0.1, eps: 1e-4 }),
    torch: ['RMSprop', { centered: true, momentum: 0.5, weight_decay: 0.1, eps: 1e-4 }],
    reference: (t, g) =>
      rmspropRef(t, g, { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.1, eps: 1e-4 }),
  },
]);
