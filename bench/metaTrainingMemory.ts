// Peak memory of one MNIST meta-iteration as the meta-training kind runs it (unroll 20, the
// learned LSTM over the 15,910 coordinates of an MLP 784-20-10, batch 128), in a process of its
// own so earlier work does not inflate the peak. Prints one JSON line:
//   neededBytes   what the unroll truly needs to keep for its backward pass (see below)
//   plannedBytes  the engine program's temp buffers (reused by liveness) — its working memory
//   peakRssBytes  the process's peak resident memory after a few meta-iterations (VmHWM),
//   baseRssBytes  its resident memory before the meta-step function was first called
// Run by bench/metaTraining.ts; `node bench/metaTrainingMemory.ts` on its own works too.
import { readFileSync } from 'node:fs';
import '../engine/backends/cpu.ts';
import { Rng } from '../engine/random/rng.ts';
import { createLearnedRule } from '../engine/optim/createLearnedRule.ts';
import { createMetaProblem } from '../main/lab/kinds/metaTraining/problems/createMetaProblem.ts';
import { startTrajectory } from '../main/lab/kinds/metaTraining/trajectory.ts';
import { buildUnrollFunctions } from '../main/lab/kinds/metaTraining/unrollFunctions.ts';
import type { MetaTrainingSettings } from '../main/lab/kinds/metaTraining/runConfig.ts';

const UNROLL = 20;
const HIDDEN = 20;
const LAYERS = 2;
const BATCH = 128;
const MLP_HIDDEN = 20;
const CLASSES = 10;
/** Features per coordinate after the gradient preprocessing (log|g|/p and sign). */
const PREPROCESSED = 2;

function statusBytes(field: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : Number.NaN;
}

/**
 * The values an unroll of T steps must keep from its forward pass for the backward pass, in
 * float32. Per optimizee step and coordinate: the first LSTM layer's input (the preprocessed
 * gradient; a later layer's input is the h below it), each layer's h, c and four gate activations
 * (6H: the next step's previous h and c are these; tanh(c) is computed again from c, as the
 * engine's recompute rewrite does since 2026-12-06 — until then 7H), and the coordinate's θ_t; for
 * the optimizee's loss at θ_t, its hidden activations and softmax ([batch, hidden + 2·classes]).
 * Once per unroll, the layers' initial h and c. Everything else (gradients, preprocessing, the
 * meta-gradient's own temporaries) can be formed and dropped on the way back. (Until 2026-12-05
 * this counted each layer's input, previous h and c again, 8H + input per layer: 20 % more.)
 */
function neededBytes(n: number): number {
  const perStep = n * (PREPROCESSED + LAYERS * 6 * HIDDEN + 1) + BATCH * (MLP_HIDDEN + 2 * CLASSES);
  return 4 * (UNROLL * perStep + n * LAYERS * 2 * HIDDEN);
}

const settings: MetaTrainingSettings = {
  method: 'bptt',
  unroll: UNROLL,
  horizon: 100,
  secondOrder: false,
  metaOptimizer: { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  patience: null,
  es: { particles: 1, sigma: 0.01 },
};
const problem = createMetaProblem({ name: 'l2l-mnist', hidden: [MLP_HIDDEN], batchSize: BATCH });
const rule = createLearnedRule(
  {
    kind: 'lstm',
    hidden: HIDDEN,
    layers: LAYERS,
    preprocessing: { kind: 'log-sign', p: 10 },
    outputScale: 0.1,
  },
  new Rng(1),
);
const fns = buildUnrollFunctions(problem, rule, settings, 'cpu');
const instance = problem.sample(1);
let trajectory = startTrajectory(instance.theta0, fns.stateShapes);
const data = instance.stepData(0, UNROLL);
global.gc?.();
const baseRssBytes = statusBytes('VmRSS');
for (let i = 0; i < 3; i++) {
  const [, , theta, ...state] = fns.metaStep!(...data, trajectory.theta, ...trajectory.state) as ReturnType<
    typeof instance.stepData
  >;
  trajectory = { theta, state };
}
const program = fns.metaStep!.lastProgram!;
const plannedBytes = program.buffers
  .filter((b) => b.role === 'temp')
  .reduce((sum, b) => sum + b.size * (b.dtype === 'float64' ? 8 : b.dtype === 'bool' ? 1 : 4), 0);
console.log(
  JSON.stringify({
    coordinates: problem.size,
    neededBytes: neededBytes(problem.size),
    plannedBytes,
    baseRssBytes,
    peakRssBytes: statusBytes('VmHWM'),
  }),
);
