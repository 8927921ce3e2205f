// A benchmark workload restarts from the state it was created in, so every timing round times
// the same iterations of training that torch_ref.py's fresh process times: the weights, the
// optimizer's moments and step count, and the problem cycle all go back.
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../../engine/backends/cpu/index.ts';
import { mnistStep } from '../../../bench/workloads/mnistStep.ts';
import { quadMeta } from '../../../bench/workloads/quadMeta.ts';
import type { Workload } from '../../../bench/workloads/workload.ts';

const weights = (w: Workload): number[][] => w.params.map(([, v]) => v.get().toFlat());

describe('benchmark workloads restart', () => {
  it('mnist_step: after restart a call gives the first call’s loss and weights', () => {
    const w = mnistStep(cpuBackend);
    const firstLoss = w.run().data[0];
    const afterFirst = weights(w);
    const secondLoss = w.run().data[0];
    expect(secondLoss).not.toBe(firstLoss);
    w.restart();
    expect(w.run().data[0]).toBe(firstLoss);
    // Adam's moments and step count went back too: the update is the first one again.
    expect(weights(w)).toEqual(afterFirst);
  }, 60_000);

  it('mnist_step: the weights start as torch_ref.py’s θ0, 0.01·N(0, 1)', () => {
    const w = mnistStep(cpuBackend);
    const all = weights(w).flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    expect(all).toHaveLength(15_910);
    expect(Math.abs(mean)).toBeLessThan(5e-4);
    expect(std).toBeGreaterThan(0.0095);
    expect(std).toBeLessThan(0.0105);
  }, 60_000);

  it('quad_meta: the problem cycle starts again at the first problem', () => {
    const w = quadMeta(cpuBackend);
    const firstLoss = w.run().data[0];
    const afterFirst = weights(w);
    w.run();
    w.run();
    w.restart();
    expect(w.run().data[0]).toBe(firstLoss);
    expect(weights(w)).toEqual(afterFirst);
  }, 120_000);
});
