import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/api/labApi.ts';
import { filterRuns, sortRuns, varyingParams, emptyFilter } from '../../../renderer/src/lib/runTable.ts';

function run(id: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    experimentId: 1,
    experimentName: 'quick',
    kind: 'optimizer-comparison',
    planKey: `k${id}`,
    phase: 'tuning',
    label: `run ${id}`,
    trainer: 'quadratics',
    status: 'completed',
    reason: null,
    seed: id,
    step: 100,
    steps: 100,
    params: { 'problem.name': 'quadratics', 'optimizer.name': 'sgd', 'optimizer.lr': 0.1 },
    selection: { name: 'val_loss', goal: 'min' },
    result: { final_val_loss: 1 / id },
    best: 1 / id,
    environment: null,
    createdAt: 0,
    startedAt: 0,
    endedAt: 1000 * id,
    ...over,
  };
}

const runs = [
  run(1, { params: { 'problem.name': 'quadratics', 'optimizer.name': 'adam', 'optimizer.lr': 0.3 } }),
  run(2, { status: 'diverged', result: { final_val_loss: null }, best: null }),
  run(3, {
    kind: 'meta-training',
    label: 'lstm seed 3',
    params: { 'optimizer.name': 'sgd', 'optimizer.lr': 0.01 },
  }),
];

describe('the runs table', () => {
  it('filters by words over label, experiment and params, by regex, status and kind', () => {
    const ids = (f: Partial<typeof emptyFilter>) =>
      filterRuns(runs, { ...emptyFilter, ...f }).runs.map((r) => r.id);
    expect(ids({ text: 'optimizer.name=adam' })).toEqual([1]);
    expect(ids({ text: 'QUICK run' })).toEqual([1, 2]);
    expect(ids({ text: 'quick' })).toEqual([1, 2, 3]);
    expect(ids({ text: 'optimizer\\.lr=0\\.1\\b', regex: true })).toEqual([2]);
    expect(ids({ statuses: ['diverged', 'failed'] })).toEqual([2]);
    expect(ids({ kind: 'meta-training' })).toEqual([3]);
    const bad = filterRuns(runs, { ...emptyFilter, text: '(unclosed', regex: true });
    expect(bad.runs).toEqual([]);
    expect(bad.error).toMatch(/^not a regular expression: /);
  });

  it('shows as columns the params that differ, names before rates', () => {
    expect(varyingParams(runs)).toEqual(['optimizer.name', 'optimizer.lr']);
    expect(varyingParams([runs[1]])).toEqual([]);
  });

  it('sorts numbers as numbers and puts missing values last in both directions', () => {
    expect(sortRuns(runs, 'final', 'asc').map((r) => r.id)).toEqual([3, 1, 2]);
    expect(sortRuns(runs, 'final', 'desc').map((r) => r.id)).toEqual([1, 3, 2]);
    expect(sortRuns(runs, 'param:optimizer.lr', 'asc').map((r) => r.id)).toEqual([3, 2, 1]);
    expect(sortRuns(runs, 'duration', 'desc', 5000).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(sortRuns(runs, 'label', 'asc').map((r) => r.label)).toEqual(['lstm seed 3', 'run 1', 'run 2']);
  });
});
