// `lab run` prints a run's start warning (e.g. computing on the js backend because the native
// addon did not load) once, above the bars or as a plain line without a terminal.
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../../../main/cli/progressDisplay.ts';
import type { RunProgress } from '../../../../main/lab/progress.ts';

const running: RunProgress = {
  type: 'run',
  experimentId: 1,
  runId: 7,
  label: 'sgd lr=0.1 seed=3',
  phase: 'report',
  status: 'running',
  step: 0,
  steps: 100,
  loss: null,
  reason: null,
};

describe('run warnings in the terminal', () => {
  it('prints the warning the run started with, and nothing for a run without one', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const display = createProgressDisplay(stream);
    display.update(running);
    display.update({ ...running, runId: 8, warning: 'this run computes on the JavaScript backend' });
    display.update({ ...running, runId: 8, step: 50 });
    expect(lines).toEqual(['⚠ run 8 sgd lr=0.1 seed=3: this run computes on the JavaScript backend\n']);
  });
});
