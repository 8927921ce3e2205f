// The meta-training kind's own costs, printed by `npm run bench` after the engine workloads:
//   1. a meta-iteration as a meta-training run takes it (MetaTrainer.step: the unroll of 20 with
//      θ and the LSTM state carried in and out, the meta-gradient and the Adam step) on 128
//      10-d quadratics and on the MLP 784-20-10 — the math of torch_ref.py's quad_meta and
//      mnist_meta, whose times from the same `npm run bench` invocation are printed beside;
//      and a frozen validation of one 100-step problem;
//   2. peak memory of MNIST meta-training (bench/metaTrainingMemory.ts, in its own process)
//      against the activations the unroll truly needs;
//   3. the wall clock of one full l2l-paper quadratics meta-training until early stopping
//      (curricula/l2l-paper-quadratics.yaml, first seed) with `--paper-scale` (minutes on the
//      CPU), on the backend LAB_BACKEND names (the GPU check runs it on cuda); without it, an
//      estimate from the measured meta-iteration.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../native/paths.ts';
import { parseMetaTrainingConfig } from '../main/lab/kinds/metaTraining/config.ts';
import { MetaTrainer } from '../main/lab/kinds/metaTraining/metaTrainer.ts';
import { metaTrainingRun } from '../main/lab/kinds/metaTraining/plan.ts';
import {
  metaTrainingRunConfig,
  type MetaTrainingRunConfig,
} from '../main/lab/kinds/metaTraining/runConfig.ts';
import { loadDefinitionFile } from '../main/lab/loadDefinition.ts';
import { applyLabComputeSettings } from '../main/lab/trainers/computeSettings.ts';
import { fmt, medianSeconds } from './timing.ts';
import { summaryColumns, summaryHeader, workloadSummary, type WorkloadSummary } from './speedup.ts';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The first meta-training run of a preset, as the lab would run it. */
async function presetRun(file: string) {
  const loaded = await loadDefinitionFile(join(projectRoot, 'curricula', file));
  const config = parseMetaTrainingConfig(loaded.experiment);
  return { config, run: metaTrainingRun(config, 0) };
}

/** A trainer computing as a lab run's worker does (applyLabComputeSettings: denormals flushed). */
function trainer(config: MetaTrainingRunConfig, seed: number): MetaTrainer {
  applyLabComputeSettings();
  const t = new MetaTrainer();
  t.init(metaTrainingRunConfig.parse(structuredClone(config)), seed);
  return t;
}

export interface PaperScaleResult {
  backend: string;
  seconds: number;
  metaIterations: number;
  bestValLoss: number;
  stopped: string;
}

/**
 * One whole l2l-paper quadratics meta-training (the preset's first run: its seed, its validation
 * problems, early stopping) on the backend lab runs use here (LAB_BACKEND), timed from the first
 * validation to the stop. Prints each validation as it goes, so a run cut short still shows its pace.
 */
export async function paperScaleMetaTraining(): Promise<PaperScaleResult> {
  const quad = await presetRun('l2l-paper-quadratics.yaml');
  const { metaIterations, evaluateEvery } = quad.config.metaTraining;
  const t = trainer(quad.run.config, quad.run.seed);
  const backend = t.environment().backend;
  const started = performance.now();
  let { best_val_loss: best } = t.evaluate();
  let step = 0;
  let reason: string | null = null;
  while (step < metaIterations && !reason) {
    t.step();
    step++;
    if (step % evaluateEvery === 0) {
      const { val_loss, best_val_loss } = t.evaluate();
      best = best_val_loss;
      const elapsed = (performance.now() - started) / 1000;
      console.log(
        `  meta-iteration ${step}: validation loss ${val_loss.toFixed(4)} (${backend}, ${elapsed.toFixed(1)} s)`,
      );
      reason = t.stopReason();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const stopped = reason ?? 'ran all meta-iterations';
  console.log(
    `paper-scale l2l-paper quadratics meta-training (one seed, ${backend} backend): ${fmt(seconds)} wall clock, ` +
      `${step} meta-iterations, best validation loss ${best.toFixed(4)}; ${stopped}`,
  );
  return { backend, seconds, metaIterations: step, bestValLoss: best, stopped };
}

export interface MetaTrainingBench {
  meta_training_quad: WorkloadSummary;
  meta_training_mnist: WorkloadSummary;
}

/** `torchSeconds`: torch_ref.py's times on the reference BLAS; `openBlasSeconds`: on OpenBLAS. */
export async function metaTrainingSection(
  torchSeconds: Record<string, number> | null,
  openBlasSeconds: Record<string, number> | null,
): Promise<MetaTrainingBench> {
  console.log('');
  console.log('== meta-training kind (bench/metaTraining.ts) ==');
  const quad = await presetRun('l2l-paper-quadratics.yaml');
  const mnistConfig: MetaTrainingRunConfig = {
    ...quad.run.config,
    problem: { name: 'l2l-mnist', hidden: [20], activation: 'sigmoid', batchSize: 128 },
  };
  const rows: [string, string, MetaTrainingRunConfig, { warm: number; n: number }][] = [
    ['meta_training_quad', 'quad_meta', quad.run.config, { warm: 3, n: 15 }],
    ['meta_training_mnist', 'mnist_meta', mnistConfig, { warm: 2, n: 7 }],
  ];
  const out: Record<string, WorkloadSummary> = {};
  console.log(summaryHeader('meta-iteration (unroll 20)', 30));
  let quadSeconds = 0;
  for (const [key, reference, config, protocol] of rows) {
    const t = trainer(config, 1);
    t.step(); // the first call lowers the programs
    const seconds = medianSeconds(() => t.step(), protocol.warm, protocol.n);
    if (key === 'meta_training_quad') quadSeconds = seconds;
    out[key] = workloadSummary(seconds, torchSeconds?.[reference], openBlasSeconds?.[reference]);
    console.log(`${`${config.problem.name} (${reference})`.padEnd(30)} ${summaryColumns(out[key])}`);
  }
  // A frozen validation: 20 problems × one 100-step horizon, forward only.
  const validation = trainer({ ...quad.run.config, validationSeeds: [1] }, 1);
  validation.evaluate();
  const perProblem = medianSeconds(() => validation.evaluate(), 1, 5);
  console.log(`frozen validation, one 100-step quadratics problem: ${fmt(perProblem)}`);

  const child = spawnSync(
    process.execPath,
    ['--expose-gc', join(projectRoot, 'bench', 'metaTrainingMemory.ts')],
    {
      encoding: 'utf8',
      cwd: projectRoot,
    },
  );
  if (child.status !== 0) {
    console.log(`memory measurement failed (status ${child.status}): ${child.stderr}`);
  } else {
    const m = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
    console.log(
      `MNIST meta-training memory (unroll 20, ${m.coordinates} coordinates): the unroll truly needs ${mb(m.neededBytes)} ` +
        `of activations; the program plans ${mb(m.plannedBytes)} of working buffers (${(m.plannedBytes / m.neededBytes).toFixed(2)}× — goal ≤ 1.5×); ` +
        `peak resident ${mb(m.peakRssBytes)}, ${mb(m.peakRssBytes - m.baseRssBytes)} above the process before its first meta-iteration ` +
        `(${((m.peakRssBytes - m.baseRssBytes) / m.neededBytes).toFixed(2)}×)`,
    );
  }

  const { metaIterations, evaluateEvery } = quad.config.metaTraining;
  const validations = Math.floor(metaIterations / evaluateEvery) + 1;
  const validationSeconds = perProblem * quad.config.metaTraining.validationProblems;
  if (process.argv.includes('--paper-scale')) {
    await paperScaleMetaTraining();
  } else {
    const estimate = metaIterations * quadSeconds + validations * validationSeconds;
    console.log(
      `paper-scale l2l-paper quadratics meta-training (one seed, all ${metaIterations} meta-iterations, ${validations} validations): ` +
        `about ${fmt(estimate)} from the numbers above, less if it stops early; \`npm run bench -- --paper-scale\` runs it`,
    );
  }
  return out as unknown as MetaTrainingBench;
}
