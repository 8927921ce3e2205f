// Meta-training experiments end to end in worker processes: the quick preset (meta-training over
// two seeds with validation, baseline tuning, each meta-trained optimizer evaluated on the test
// problems through its artifact, the report); a run whose validation stops improving stops early
// with the reason; a run whose meta-loss is not finite ends diverged at that meta-step and still
// leaves its optimizer.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLearnedOptimizer } from '../../../engine/optim/learnedArtifact.ts';
import { createExperimentFromDefinition } from '../../../main/lab/createExperiment.ts';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import { parseMetaTrainingReport } from '../../../main/lab/kinds/metaTraining/report.ts';
import { presentMetaTraining } from '../../../main/lab/kinds/metaTraining/present.ts';
import { parseDefinition } from '../../../main/lab/loadDefinition.ts';
import { runModels } from '../../../main/store/artifactStore.ts';
import { openLabDatabase, type LabDatabase } from '../../../main/store/labDatabase.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { WorkerPool } from '../../../main/workers/workerPool.ts';

function openLab(): LabDatabase {
  return openLabDatabase(join(mkdtempSync(join(tmpdir(), 'meta-training-')), 'lab.db'));
}

async function run(lab: LabDatabase, yaml: string, file = 'meta.yaml') {
  const experiment = createExperimentFromDefinition(lab, await parseDefinition(yaml, file));
  return runExperiment(experiment.id, { lab, executor: new WorkerPool({ size: 2 }), cancelPollMs: 50 });
}

/** A one-seed meta-training on tiny quadratics with one fixed-rate baseline; `meta` adds keys. */
function tinyExperiment(
  meta: string[],
  optimizer = '{ kind: lstm, hidden: 8 }',
  problem = '{ name: l2l-quadratics, batch: 4, dims: 3 }',
): string {
  return [
    'version: 1',
    'kind: meta-training',
    'experiment:',
    '  name: tiny',
    `  problem: ${problem}`,
    `  optimizer: ${optimizer}`,
    '  metaTraining:',
    '    unroll: 5',
    '    horizon: 10',
    '    metaIterations: 40',
    '    evaluateEvery: 10',
    '    validationProblems: 2',
    '    seeds: 1',
    ...meta.map((line) => `    ${line}`),
    '  baselines: { optimizers: [{ name: adam, lr: 0.1 }] }',
    '  evaluation: { problems: 2 }',
  ].join('\n');
}

describe('meta-training experiments', () => {
  it('runs the quick preset: meta-training, tuned baselines, the learned optimizer on the same test problems', async () => {
    const lab = openLab();
    const text = readFileSync('curricula/meta-training-quick.yaml', 'utf8');
    const experiment = await run(lab, text, 'curricula/meta-training-quick.yaml');
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    const runs = listRuns(lab.db, experiment.id);
    const byKey = new Map(runs.map((r) => [r.planKey, r]));
    for (const k of [0, 1]) {
      const meta = byKey.get(`meta-train/${k}`)!;
      expect(meta.status).toBe('completed');
      const [optimizer] = runModels(lab.db, meta.id);
      expect(optimizer).toMatchObject({
        name: 'optimizer',
        format: 'safetensors',
        meta: { kind: 'learned-optimizer', preset: 'l2l-paper' },
      });
      expect(loadLearnedOptimizer(optimizer.path).rule.config.kind).toBe('lstm');
      const evaluations = runs.filter((r) => r.planKey.startsWith(`evaluate/s0/meta-${k}/`));
      expect(evaluations).toHaveLength(4);
      for (const e of evaluations) {
        expect(e.inputs).toEqual({ optimizer: optimizer.id });
        expect(e.startedAt!).toBeGreaterThanOrEqual(meta.endedAt!);
      }
    }
    const testSeeds = new Set(runs.filter((r) => r.phase === 'evaluate').map((r) => r.seed));
    const reportSeeds = new Set(runs.filter((r) => r.phase === 'baselines-report').map((r) => r.seed));
    expect(reportSeeds).toEqual(testSeeds);
    const report = parseMetaTrainingReport(experiment.report);
    expect(report.settings[0].learned.runs).toBe(8);
    expect(report.settings[0].baselines.map((b) => b.label)).toEqual(['sgd', 'adam']);
    expect(report.settings[0].test).not.toBeNull();
    expect(presentMetaTraining(report).tables[0].rows).toHaveLength(1 + 2 + 2);
    lab.close();
  });

  it('meta-trains on the conv optimizee (the paper’s §3.3 net, on digits) and evaluates the result', async () => {
    const lab = openLab();
    const conv =
      '{ name: l2l-mnist, conv: [{ channels: 2 }], hidden: [8], activation: relu, batchSize: 8, evaluationSize: 32, thetaStddev: 0.1 }';
    const experiment = await run(lab, tinyExperiment([], undefined, conv));
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    const runs = listRuns(lab.db, experiment.id);
    const meta = runs.find((r) => r.planKey === 'meta-train/0')!;
    expect(meta.result?.steps_done).toBe(40);
    expect(Number.isFinite(meta.result?.final_val_loss)).toBe(true);
    const [optimizer] = runModels(lab.db, meta.id);
    const evaluations = runs.filter((r) => r.phase === 'evaluate');
    expect(evaluations).toHaveLength(2);
    for (const e of evaluations) {
      expect(e.status).toBe('completed');
      expect(e.inputs).toEqual({ optimizer: optimizer.id });
      expect(e.config).toMatchObject({ problem: { name: 'l2l-mnist', conv: [{ channels: 2, kernel: 3 }] } });
    }
    lab.close();
  });

  it('stops a meta-training run early once validation stops improving, and says why', async () => {
    const lab = openLab();
    // A meta learning rate far below float32 resolution: the weights never move.
    const experiment = await run(lab, tinyExperiment(['metaOptimizer: { lr: 1e-12 }', 'patience: 2']));
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    const meta = listRuns(lab.db, experiment.id).find((r) => r.planKey === 'meta-train/0')!;
    expect(meta.status).toBe('completed');
    expect(meta.result?.steps_done).toBe(20);
    expect(meta.reason).toMatch(
      /^early stopping: validation loss has not improved for 2 evaluations \(best .* at meta-iteration 0\)$/,
    );
    expect(runModels(lab.db, meta.id).map((a) => a.name)).toEqual(['optimizer']);
    lab.close();
  });

  it('ends a run whose meta-loss is not finite as diverged at that meta-step, keeping its optimizer', async () => {
    const lab = openLab();
    // Steps of 1e30 make the optimizee's loss overflow on the first meta-iteration.
    const experiment = await run(lab, tinyExperiment([], '{ kind: lstm, hidden: 8, outputScale: 1e30 }'));
    const meta = listRuns(lab.db, experiment.id).find((r) => r.planKey === 'meta-train/0')!;
    expect(meta.status).toBe('diverged');
    expect(meta.reason).toMatch(/^loss became (NaN|Infinity) at step 1$/);
    const [optimizer] = runModels(lab.db, meta.id);
    expect(optimizer.name).toBe('optimizer');
    expect(existsSync(optimizer.path)).toBe(true);
    expect(experiment.status, experiment.reason ?? '').toBe('completed');
    lab.close();
  });
});
