import { describe, expect, it } from 'vitest';
import { runsDone } from '../../../../main/cli/commands/list.ts';
import type { ExperimentSummary } from '../../../../main/lab/views/types.ts';

const summary = (over: Partial<ExperimentSummary>): ExperimentSummary => ({
  id: 1,
  name: 'quick',
  kind: 'optimizer-comparison',
  status: 'running',
  reason: null,
  createdAt: 0,
  updatedAt: 0,
  runsByStatus: { completed: 90, running: 2, queued: 5 },
  runsFinished: 90,
  runsPlanned: 97,
  planComplete: false,
  stepsDone: 0,
  stepsTotal: 0,
  ...over,
});

describe('lab list: runs done', () => {
  it('gives the total known so far while later runs depend on results, the whole total once it is known', () => {
    expect(runsDone(summary({}))).toBe('90/97 so far, more follow');
    expect(runsDone(summary({ planComplete: true, runsPlanned: 115, runsFinished: 115 }))).toBe('115/115');
    // Stored before plan sizes were kept: the runs created.
    expect(runsDone(summary({ runsPlanned: null, planComplete: true }))).toBe('90/97');
  });
});
