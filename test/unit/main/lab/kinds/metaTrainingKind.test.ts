// The meta-training kind's lifecycle on synthetic outcomes: the plan keeps validation, test and
// tuning problems apart and runs every optimizer on the same test problems; evaluation runs read
// the meta-training runs' artifacts; the report pools the learned optimizer over meta-training
// seeds per test problem, counts steps to tuned Adam's final loss and tests against the best
// baseline with Welch's t-test; it survives JSON and presents tables and log-scale charts.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatCell } from '../../../../../main/cli/renderReport.ts';
import { loadDefinitionFile, parseDefinition } from '../../../../../main/lab/loadDefinition.ts';
import {
  parseMetaTrainingConfig,
  type MetaTrainingConfig,
} from '../../../../../main/lab/kinds/metaTraining/config.ts';
import {
  evaluationKey,
  metaTrainKey,
  planMetaTraining,
  testSeeds,
  validationSeeds,
} from '../../../../../main/lab/kinds/metaTraining/plan.ts';
import { presentMetaTraining } from '../../../../../main/lab/kinds/metaTraining/present.ts';
import {
  parseMetaTrainingReport,
  summariseMetaTraining,
} from '../../../../../main/lab/kinds/metaTraining/report.ts';
import type { RunOutcome } from '../../../../../main/lab/runPlan.ts';
import type { OptimizerRunConfig } from '../../../../../main/lab/kinds/optimizerComparison/runConfig.ts';
import { mean, welchTTest } from '../../../../../main/lab/statistics.ts';

async function quick(): Promise<MetaTrainingConfig> {
  const loaded = await loadDefinitionFile('curricula/meta-training-quick.yaml');
  return parseMetaTrainingConfig(loaded.experiment);
}

describe('meta-training presets', () => {
  const presets = readdirSync('curricula').filter((f) =>
    /^(l2l|mlp-optimizer|meta-training)-.*\.yaml$/.test(f),
  );

  it.each(presets)(
    '%s validates and plans ≥ 5 meta-training seeds on ≥ 20 test problems, baselines tuned beyond a rate of 3 (the quick one excepted)',
    async (file) => {
      const config = parseMetaTrainingConfig((await loadDefinitionFile(`curricula/${file}`)).experiment);
      const plan = planMetaTraining(config, new Map());
      expect(plan.runs.length).toBeGreaterThan(0);
      if (file !== 'meta-training-quick.yaml') {
        expect(config.metaTraining.seeds).toBeGreaterThanOrEqual(5);
        expect(config.evaluation.problems).toBeGreaterThanOrEqual(20);
        if (file.startsWith('l2l-')) expect(file.startsWith(`${config.preset}-`)).toBe(true);
        // SGD's best rate is above 1 on both problems (a quadratic's gradient is divided by the
        // batch of 128; on the MNIST MLP it is 3, AdaDelta's 10): a grid that stops at 1 would
        // cut the baselines' tuning short.
        expect(config.baselines.learningRates.max).toBeGreaterThan(3);
      }
    },
  );

  it('l2l-paper and l2l-deepmind differ where the paper and its code disagree', async () => {
    const load = async (file: string) =>
      parseMetaTrainingConfig((await loadDefinitionFile(`curricula/${file}`)).experiment);
    const [paperQ, deepmindQ, paperM, deepmindM] = await Promise.all(
      [
        'l2l-paper-quadratics.yaml',
        'l2l-deepmind-quadratics.yaml',
        'l2l-paper-mnist.yaml',
        'l2l-deepmind-mnist.yaml',
      ].map(load),
    );
    expect([paperQ.preset, deepmindQ.preset, paperM.preset, deepmindM.preset]).toEqual([
      'l2l-paper',
      'l2l-deepmind',
      'l2l-paper',
      'l2l-deepmind',
    ]);
    expect([paperQ.problem.variant, deepmindQ.problem.variant]).toEqual(['gaussian', 'uniform']);
    expect(deepmindQ.optimizer).toMatchObject({ preprocessing: { kind: 'none' }, outputScale: 1 });
    expect(paperM.optimizer).toMatchObject({ preprocessing: { kind: 'log-sign', p: 10 }, outputScale: 0.1 });
    expect(deepmindM.optimizer).toMatchObject({
      preprocessing: { kind: 'log-sign-clamped', k: 5 },
      outputScale: 0.01,
    });
  });
});

describe('meta-training plan', () => {
  it('keeps validation, test and tuning problems apart and tests every optimizer on the same problems', async () => {
    const config = await quick();
    const plan = planMetaTraining(config, new Map());
    expect(plan.complete).toBe(false);
    expect(new Set(plan.runs.map((r) => r.key)).size).toBe(plan.runs.length);
    const tests = testSeeds(config);
    const validation = validationSeeds(config);
    const tuning = plan.runs.filter((r) => r.phase === 'baselines-tuning').map((r) => r.seed);
    expect(tests).toHaveLength(4);
    expect(validation).toHaveLength(4);
    expect(validation.some((s) => tests.includes(s) || tuning.includes(s))).toBe(false);
    expect(tuning.some((s) => tests.includes(s))).toBe(false);

    const metaRuns = plan.runs.filter((r) => r.phase === 'meta-train');
    expect(metaRuns.map((r) => r.key)).toEqual([metaTrainKey(0), metaTrainKey(1)]);
    expect(metaRuns[0]).toMatchObject({
      trainer: 'meta-train',
      loop: { steps: 80, evalEvery: 20, checkpointEvery: 40, divergenceFactor: null },
      config: { preset: 'l2l-paper', validationSeeds: validation, excludedSeeds: tests },
    });
    expect(metaRuns[0].seed).not.toBe(metaRuns[1].seed);

    const evaluations = plan.runs.filter((r) => r.phase === 'evaluate');
    expect(evaluations).toHaveLength(2 * 4);
    expect(evaluations[0]).toMatchObject({
      trainer: 'l2l-quadratics',
      config: { optimizer: { name: 'learned' } },
      inputs: { optimizer: { run: metaTrainKey(0), artifact: 'optimizer' } },
      loop: { steps: 50, evalEvery: 5 },
    });
    expect(new Set(evaluations.map((r) => r.seed))).toEqual(new Set(tests));

    // Once tuning is done, the baselines' report runs use the same test problems.
    const finished = new Map<string, RunOutcome>();
    let id = 0;
    for (const run of plan.runs.filter((r) => r.phase === 'baselines-tuning')) {
      finished.set(run.key, {
        key: run.key,
        runId: ++id,
        status: 'completed',
        result: { final_val_loss: 1 },
      });
    }
    const second = planMetaTraining(config, finished);
    expect(second.complete).toBe(true);
    const report = second.runs.filter((r) => r.phase === 'baselines-report');
    expect(report).toHaveLength(2 * 4);
    expect(new Set(report.map((r) => r.seed))).toEqual(new Set(tests));
  });

  it('refuses a horizon that is not a multiple of the unroll, at its line', async () => {
    const yaml = [
      'version: 1',
      'kind: meta-training',
      'experiment:',
      '  name: bad',
      '  problem: { name: l2l-quadratics }',
      '  metaTraining:',
      '    unroll: 20',
      '    horizon: 50',
      '    metaIterations: 10',
    ].join('\n');
    await expect(parseDefinition(yaml, 'bad.yaml')).rejects.toThrow(
      'bad.yaml:8:14: experiment.metaTraining.horizon: horizon 50 must be a multiple of unroll 20',
    );
  });
});

describe('meta-training report', () => {
  it('pools the learned optimizer per test problem, counts steps to tuned Adam and tests against the best baseline', async () => {
    const config = await quick();
    const finished = new Map<string, RunOutcome>();
    const curves = new Map<number, { steps: number[]; values: (number | null)[] }>();
    let id = 0;
    const add = (key: string, final: number, curve?: number[]) => {
      const runId = ++id;
      finished.set(key, {
        key,
        runId,
        status: 'completed',
        result: { final_val_loss: final, steps_done: 80 },
      });
      curves.set(runId, {
        steps: curve ? [0, 25, 50] : [0, 20, 40, 60, 80],
        values: curve ?? [5, 3, 2, 2.5, 1],
      });
    };
    add(metaTrainKey(0), 1);
    // Seed 2 validates best (0.8 < 1), though it is the worse one on the test problems.
    add(metaTrainKey(1), 1.2, [5, 3, 0.8]);
    for (const run of planMetaTraining(config, new Map()).runs.filter(
      (r) => r.phase === 'baselines-tuning',
    )) {
      const { optimizer } = run.config as OptimizerRunConfig;
      const lr = optimizer.name === 'learned' ? 0 : optimizer.lr;
      add(run.key, Math.abs(Math.log10(lr) + 1) + 0.5); // 0.1 wins for both
    }
    const tests = testSeeds(config);
    // Learned: meta seed 0 gives 0.1·(p+1), seed 1 0.3·(p+1); adam 0.5·(p+1); sgd 2·(p+1).
    tests.forEach((seed, p) => {
      add(evaluationKey(0, 0, seed), 0.1 * (p + 1), [10, 1, 0.1 * (p + 1)]);
      add(evaluationKey(0, 1, seed), 0.3 * (p + 1), [10, 1, 0.3 * (p + 1)]);
    });
    for (const run of planMetaTraining(config, finished).runs.filter((r) => r.phase === 'baselines-report')) {
      const p = tests.indexOf(run.seed);
      const scale = (run.config as OptimizerRunConfig).optimizer.name === 'adam' ? 0.5 : 2;
      add(run.key, scale * (p + 1), [10, 5, scale * (p + 1)]);
    }
    const summary = summariseMetaTraining(config, finished, (runId) => curves.get(runId)!);
    const report = parseMetaTrainingReport(JSON.parse(JSON.stringify(summary)));
    expect(report.preset).toBe('l2l-paper');
    expect(report.metaTraining.map((r) => [r.status, r.bestValLoss, r.bestIteration])).toEqual([
      ['completed', 1, 80],
      ['completed', 0.8, 50],
    ]);
    const [setting] = report.settings;
    const problemMeans = tests.map((_, p) => 0.2 * (p + 1));
    expect(setting.learned.finalValLoss!.mean).toBeCloseTo(mean(problemMeans), 12);
    expect(setting.learned.perSeed.map((s) => s.finalValLoss!.mean)).toEqual(
      [mean(tests.map((_, p) => 0.1 * (p + 1))), mean(tests.map((_, p) => 0.3 * (p + 1)))].map((v) =>
        expect.closeTo(v, 12),
      ),
    );
    expect(setting.adamFinalLoss).toBeCloseTo(0.5 * mean(tests.map((_, p) => p + 1)), 12);
    // Adam's mean final 1.25 is first reached by the learned mean curve at step 25 (mean 1 there).
    expect(setting.learned.stepsToAdam).toBe(25);
    expect(setting.baselines.find((b) => b.label === 'adam')!.stepsToAdam).toBe(50);
    expect(setting.baselines.find((b) => b.label === 'sgd')!.stepsToAdam).toBeNull();
    const expected = welchTTest(
      problemMeans.map(Math.log10),
      tests.map((_, p) => Math.log10(0.5 * (p + 1))),
    );
    expect(setting.test).toMatchObject({ against: 'adam', n: 4 });
    expect(setting.test!.t).toBeCloseTo(expected.t, 12);
    expect(setting.test!.p).toBeCloseTo(expected.p, 12);
    const expectedSelected = welchTTest(
      tests.map((_, p) => Math.log10(0.3 * (p + 1))),
      tests.map((_, p) => Math.log10(0.5 * (p + 1))),
    );
    expect(setting.selectedTest).toMatchObject({ seed: 2, against: 'adam', n: 4 });
    expect(setting.selectedTest!.t).toBeCloseTo(expectedSelected.t, 12);
    expect(setting.selectedTest!.p).toBeCloseTo(expectedSelected.p, 12);

    const presented = presentMetaTraining(report);
    expect(presented.tables.map((t) => t.id)).toEqual(['final-loss-0', 'meta-training']);
    const rows = presented.tables[0].rows.map((r) => r.map(formatCell));
    expect(rows.map((r) => r[0])).toEqual([
      'learned (lstm 2×20, log-sign p=10, ×0.1)',
      '  meta-train seed 1',
      '  meta-train seed 2 (best validation)',
      'sgd',
      'adam',
    ]);
    expect(rows[3][1]).toBe('0.1');
    expect(presented.charts.map((c) => [c.id, c.y.scale])).toEqual([
      ['loss-0', 'log'],
      ['meta-validation', 'log'],
    ]);
    expect(presented.charts[0].series[0].band).toBeDefined();
    expect(presented.notes.some((n) => n.includes("Welch's t-test") && n.includes('(adam)'))).toBe(true);
    expect(presented.notes.some((n) => n.includes('best-validated optimizer alone (meta-train seed 2'))).toBe(
      true,
    );
    // Reports stored before the best-validated test existed still parse and present.
    const { selectedTest: _, ...older } = summary.settings[0];
    const olderReport = parseMetaTrainingReport(
      JSON.parse(JSON.stringify({ ...summary, settings: [older] })),
    );
    expect(
      presentMetaTraining(olderReport).notes.some((n) => n.includes('best-validated optimizer alone')),
    ).toBe(false);
  });
});
