// A learned optimizer in an optimizer comparison: no learning rate to tune, so it goes straight
// to the report seeds, reading its file (an artifact by id becomes the run's input, a path stays
// in the run config); the report and its presentation say "learned" where a rate would be; the
// run config schema refuses a learning rate for it and still requires one for the others.
import { describe, expect, it } from 'vitest';
import { formatCell } from '../../../../../main/cli/renderReport.ts';
import { parseDefinition } from '../../../../../main/lab/loadDefinition.ts';
import {
  optimizerLabel,
  type OptimizerComparisonConfig,
} from '../../../../../main/lab/kinds/optimizerComparison/config.ts';
import {
  planOptimizerComparison,
  reportSeeds,
} from '../../../../../main/lab/kinds/optimizerComparison/plan.ts';
import { presentOptimizerComparison } from '../../../../../main/lab/kinds/optimizerComparison/present.ts';
import {
  parseOptimizerComparisonReport,
  summariseOptimizerComparison,
} from '../../../../../main/lab/kinds/optimizerComparison/report.ts';
import { optimizerRunConfig } from '../../../../../main/lab/kinds/optimizerComparison/runConfig.ts';
import type { RunOutcome } from '../../../../../main/lab/runPlan.ts';

const config: OptimizerComparisonConfig = {
  name: 'learned vs sgd',
  seed: 3,
  problem: { name: 'l2l-quadratics' },
  training: { steps: 20, evalEvery: 5, checkpointEvery: 20, divergenceFactor: 1000 },
  learningRates: { min: 0.01, max: 0.1 },
  optimizers: [
    { name: 'sgd' },
    { name: 'learned', artifact: 12 },
    { name: 'learned', artifact: '/models/l2l.safetensors' },
  ],
  tuning: { seeds: 2 },
  report: { seeds: 3 },
};

describe('learned optimizers in an optimizer comparison', () => {
  it('run on the report seeds only, reading their artifact by id or by path', () => {
    const plan = planOptimizerComparison(config, new Map());
    const learned = plan.runs.filter((r) => r.config.optimizer.name === 'learned');
    expect(learned.every((r) => r.phase === 'report')).toBe(true);
    const [byId, byPath] = [learned.slice(0, 3), learned.slice(3)];
    expect(byId.map((r) => r.seed)).toEqual(reportSeeds(config));
    expect(byId[0]).toMatchObject({
      key: `report/1-learned/seed=${reportSeeds(config)[0]}`,
      label: 'learned (artifact 12) (report)',
      config: { optimizer: { name: 'learned' } },
      inputs: { optimizer: { artifactId: 12 } },
    });
    expect(byPath[0].config.optimizer).toEqual({ name: 'learned', artifact: '/models/l2l.safetensors' });
    expect(byPath[0].inputs).toBeUndefined();
    // Only sgd's tuning keeps the plan incomplete.
    expect(plan.complete).toBe(false);
    expect(
      plan.runs.filter((r) => r.phase === 'tuning').every((r) => r.config.optimizer.name === 'sgd'),
    ).toBe(true);
  });

  it('are labelled by as much of their path as tells them apart', () => {
    const specs = [
      { name: 'learned', artifact: 'runs/artifacts/run-1/optimizer.safetensors' },
      { name: 'learned', artifact: 'runs/artifacts/run-2/optimizer.safetensors' },
      { name: 'learned', artifact: '/models/l2l.safetensors' },
      { name: 'learned', artifact: '/models/l2l.safetensors' },
      { name: 'learned', artifact: 12 },
    ] as const;
    expect(specs.map((s, i) => optimizerLabel(s, i, specs))).toEqual([
      'learned (run-1/optimizer.safetensors)',
      'learned (run-2/optimizer.safetensors)',
      'learned (l2l.safetensors)#3',
      'learned (l2l.safetensors)#4',
      'learned (artifact 12)',
    ]);
  });

  it('are reported and presented as learned, with no learning rate', () => {
    const finished = new Map<string, RunOutcome>();
    let id = 0;
    for (const run of planOptimizerComparison(config, new Map()).runs) {
      finished.set(run.key, {
        key: run.key,
        runId: ++id,
        status: 'completed',
        result: { final_val_loss: 0.5 },
      });
    }
    for (const run of planOptimizerComparison(config, finished).runs) {
      if (!finished.has(run.key))
        finished.set(run.key, {
          key: run.key,
          runId: ++id,
          status: 'completed',
          result: { final_val_loss: 0.5 },
        });
    }
    const report = summariseOptimizerComparison(config, finished, () => ({
      steps: [0, 20],
      values: [1, 0.5],
    }));
    const learned = report.optimizers[1];
    expect(learned).toMatchObject({
      label: 'learned (artifact 12)',
      lr: null,
      lrSource: 'learned',
      runs: 3,
      tuning: [],
    });
    const stored = parseOptimizerComparisonReport(JSON.parse(JSON.stringify(report)));
    const ranking = presentOptimizerComparison(stored).tables.find((t) => t.id === 'ranking')!;
    const row = ranking.rows.map((r) => r.map(formatCell)).find((r) => r[0] === 'learned (artifact 12)')!;
    expect(row[1]).toBe('learned');
  });

  it('take no learning rate in a run config, while the handcrafted ones need one', () => {
    expect(
      optimizerRunConfig.parse({ problem: { name: 'l2l-quadratics' }, optimizer: { name: 'learned' } }),
    ).toEqual({
      problem: { name: 'l2l-quadratics' },
      optimizer: { name: 'learned' },
    });
    expect(() =>
      optimizerRunConfig.parse({ problem: { name: 'q' }, optimizer: { name: 'learned', lr: 0.1 } }),
    ).toThrow(/\/optimizer\/lr: boolean schema is false/);
    expect(() => optimizerRunConfig.parse({ problem: { name: 'q' }, optimizer: { name: 'adam' } })).toThrow(
      /\/optimizer: must have required property 'lr'/,
    );
  });

  it('are written in YAML by artifact id or path, without a learning rate', async () => {
    const yaml = (entry: string) =>
      [
        'version: 1',
        'kind: optimizer-comparison',
        'experiment:',
        '  name: learned',
        '  problem: { name: l2l-quadratics }',
        '  training: { steps: 10 }',
        `  optimizers: [${entry}]`,
      ].join('\n');
    const parsed = await parseDefinition(yaml('{ name: learned, artifact: 4 }'), 'x.yaml');
    expect((parsed.experiment as { optimizers: unknown[] }).optimizers).toEqual([
      { name: 'learned', artifact: 4, weightDecay: 0 },
    ]);
    await expect(parseDefinition(yaml('{ name: learned, artifact: 4, lr: 0.1 }'), 'x.yaml')).rejects.toThrow(
      /x.yaml:7:\d+: experiment.optimizers\[0\]/,
    );
    await expect(parseDefinition(yaml('{ name: learned }'), 'x.yaml')).rejects.toThrow(/artifact/);
  });
});
