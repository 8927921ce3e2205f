// Each benchmark call is one native crossing that stays native: the programs of the three
// workloads on the cpu backend have no JavaScript segment and no step the executor refused.
import { describe, expect, it } from 'vitest';
import { recordingCpu } from '../../../engine/backends/cpu/recording.ts';
import { mnistMeta } from '../../../bench/workloads/mnistMeta.ts';
import { mnistStep } from '../../../bench/workloads/mnistStep.ts';
import { quadMeta } from '../../../bench/workloads/quadMeta.ts';

describe('benchmark programs run entirely in native kernels', () => {
  for (const make of [quadMeta, mnistStep, mnistMeta]) {
    it(
      make.name,
      () => {
        const { backend, prepared } = recordingCpu();
        const w = make(backend);
        const loss = w.run().data[0];
        expect(Number.isFinite(loss)).toBe(true);
        expect(prepared).toHaveLength(1);
        const [e] = prepared;
        expect(e.program.steps.filter((_, i) => e.jsSteps[i]).map((s) => s.opName)).toEqual([]);
        expect(e.fallbacks).toEqual([]);
      },
      120_000,
    );
  }
});
