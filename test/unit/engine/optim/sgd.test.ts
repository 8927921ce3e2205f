import { describe, expect, it } from 'vitest';
import { Momentum, Nesterov, SGD } from '../../../../engine/optim/index.ts';
import { describeOptimizer } from './harness.ts';
import { sgdRef } from './reference.ts';

describeOptimizer('SGD', [
  {
    label: 'plain, lr 0.01 (our default)',
    make: () => new SGD(),
    torch: ['SGD', { lr: 0.01 }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.01 }),
  },
  {
    label: 'lr 0.1, weight decay 0.05',
    make: () => new SGD({ lr: 0.1, weightDecay: 0.05 }),
    torch: ['SGD', { lr: 0.1, weight_decay: 0.05 }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.1, weightDecay: 0.05 }),
  },
  {
    label: 'momentum 0.8 with dampening 0.3 (first step undampened)',
    make: () => new SGD({ lr: 0.05, momentum: 0.8, dampening: 0.3 }),
    torch: ['SGD', { lr: 0.05, momentum: 0.8, dampening: 0.3 }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.05, momentum: 0.8, dampening: 0.3 }),
  },
]);

describeOptimizer('Momentum', [
  {
    label: 'defaults (lr 0.01, momentum 0.9)',
    make: () => new Momentum(),
    torch: ['SGD', { lr: 0.01, momentum: 0.9 }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.01, momentum: 0.9 }),
  },
  {
    label: 'lr 0.1, momentum 0.5, weight decay 0.01',
    make: () => new Momentum({ lr: 0.1, momentum: 0.5, weightDecay: 0.01 }),
    torch: ['SGD', { lr: 0.1, momentum: 0.5, weight_decay: 0.01 }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.1, momentum: 0.5, weightDecay: 0.01 }),
  },
]);

describeOptimizer('Nesterov', [
  {
    label: 'defaults (lr 0.01, momentum 0.9)',
    make: () => new Nesterov(),
    torch: ['SGD', { lr: 0.01, momentum: 0.9, nesterov: true }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.01, momentum: 0.9, nesterov: true }),
  },
  {
    label: 'lr 0.2, momentum 0.7',
    make: () => new Nesterov({ lr: 0.2, momentum: 0.7 }),
    torch: ['SGD', { lr: 0.2, momentum: 0.7, nesterov: true }],
    reference: (t, g) => sgdRef(t, g, { lr: 0.2, momentum: 0.7, nesterov: true }),
  },
]);

describe('SGD options', () => {
  it('refuses Nesterov without momentum, as torch does', () => {
    expect(() => new SGD({ nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0/);
    expect(() => new Nesterov({ momentum: 0.9, dampening: 0.1 })).toThrow(/dampening 0/);
  });
});
