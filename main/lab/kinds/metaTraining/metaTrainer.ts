// The trainer of a meta-training run. One lab step is one meta-iteration: a truncated unroll of
// `unroll` optimizee steps on the current problem and one update of the learned rule's weights
// (by backpropagation through the unroll, or by an ES/PES estimate). θ and the rule's state carry
// from one unroll to the next until the problem's horizon is used up; then a fresh problem is
// drawn from the run's own seed stream, skipping every validation and test seed. Each evaluation
// (a "meta-epoch" of the lab's loop) freezes the rule and runs it over whole horizons of the
// validation problems: val_loss is their mean final evaluation loss. The best-validated weights
// are kept; they are what the run leaves as its `optimizer` artifact, also when it diverges, and
// the run stops early once validation has not improved for `patience` evaluations.
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import { createLearnedRule } from '../../../../engine/optim/createLearnedRule.ts';
import { encodeLearnedOptimizer } from '../../../../engine/optim/learnedArtifact.ts';
import type { LearnedRule } from '../../../../engine/optim/learnedRule.ts';
import { flattenValues, unflattenValue } from '../../../../engine/params/host.ts';
import { NDArray as Tensor } from '../../../../engine/core/ndarray.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { formatValue } from '../../formatValue.ts';
import { deriveSeed } from '../../seeds.ts';
import { mean } from '../../statistics.ts';
import { labBackend, runEnvironment } from '../../trainers/engineTrainer.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  Trainer,
  TrainerArtifact,
  TrainerContext,
  TrainerEnvironment,
} from '../../trainers/trainer.ts';
import {
  esEstimate,
  perturbation,
  pesEstimate,
  type PesParticle,
  type Unroll,
} from './evolutionStrategies.ts';
import { createMetaProblem } from './problems/createMetaProblem.ts';
import type { MetaProblem, ProblemInstance } from './problems/metaProblem.ts';
import type { MetaTrainingRunConfig } from './runConfig.ts';
import {
  startTrajectory,
  trajectoryFrom,
  trajectoryTensors,
  unrollResult,
  type Trajectory,
} from './trajectory.ts';
import { buildUnrollFunctions, type UnrollFunctions } from './unrollFunctions.ts';

interface CurrentProblem {
  instance: ProblemInstance;
  /** Optimizee steps taken on it. */
  t: number;
  /** The unperturbed trajectory (bptt, es). */
  main: Trajectory;
  /** pes only. */
  particles: PesParticle<Trajectory>[];
}

interface Best {
  weights: Record<string, NDArray>;
  valLoss: number;
  iteration: number;
}

/** Scalars a checkpoint keeps besides tensors. */
interface Position {
  iteration: number;
  nextProblemIndex: number;
  problemSeed: number | null;
  t: number;
  bestValLoss: number | null;
  bestIteration: number;
  stale: number;
  evaluations: number;
}

export class MetaTrainer implements Trainer<MetaTrainingRunConfig> {
  private config!: MetaTrainingRunConfig;
  private seed = 0;
  private problem!: MetaProblem;
  private rule!: LearnedRule;
  private fns!: UnrollFunctions;
  private readonly backend = labBackend();
  private current: CurrentProblem | null = null;
  private iteration = 0;
  private nextProblemIndex = 0;
  private best: Best | null = null;
  /** Evaluations since the best one. */
  private stale = 0;
  private evaluations = 0;
  private excluded = new Set<number>();

  init(config: MetaTrainingRunConfig, seed: number, _context?: TrainerContext): void {
    const { horizon, unroll } = config.metaTraining;
    if (horizon % unroll !== 0) {
      throw new Error(
        `meta-training: horizon ${horizon} is not a multiple of unroll ${unroll}; every unroll must fit in one problem`,
      );
    }
    this.config = config;
    this.seed = seed;
    this.excluded = new Set([...config.excludedSeeds, ...config.validationSeeds]);
    this.problem = createMetaProblem(config.problem);
    this.rule = createLearnedRule(config.optimizer, new Rng(seed, 1));
    this.fns = buildUnrollFunctions(this.problem, this.rule, config.metaTraining, this.backend);
  }

  private weightsFlat(): Float32Array {
    return flattenValues(
      this.fns.layout,
      this.fns.weights.map((w) => w.get()),
      'float32',
    ).data as Float32Array;
  }

  private weightsByName(): Record<string, NDArray> {
    return this.rule.module.stateDict();
  }

  /** The seed of the next training problem: the run's own stream, minus validation and test seeds. */
  private nextProblemSeed(): number {
    for (;;) {
      const seed = deriveSeed(this.seed, 'train-problem', this.nextProblemIndex++);
      if (!this.excluded.has(seed)) return seed;
    }
  }

  private startProblem(seed: number): CurrentProblem {
    const instance = this.problem.sample(seed);
    const start = () => startTrajectory(instance.theta0, this.fns.stateShapes);
    const particles =
      this.config.metaTraining.method === 'pes'
        ? Array.from({ length: this.config.metaTraining.es.particles }, () => ({
            plus: start(),
            minus: start(),
            accumulated: new Float32Array(this.fns.layout.size),
          }))
        : [];
    return { instance, t: 0, main: start(), particles };
  }

  private forward(w: Float32Array, data: NDArray[], from: Trajectory) {
    const weights = new Tensor(w, [w.length]);
    return unrollResult(this.fns.forward(weights, ...data, from.theta, ...from.state));
  }

  private applyGradient(gradient: Float32Array): void {
    const pieces = unflattenValue(this.fns.layout, new Tensor(gradient, [gradient.length]));
    this.fns.applyGradient!(...pieces);
  }

  step(): StepMetrics {
    const { horizon, unroll, method, es } = this.config.metaTraining;
    if (!this.current || this.current.t >= horizon) this.current = this.startProblem(this.nextProblemSeed());
    const current = this.current;
    const data = current.instance.stepData(current.t, unroll);
    let metaLoss: number;
    let lastLoss: number;
    if (method === 'bptt') {
      const r = unrollResult(this.fns.metaStep!(...data, current.main.theta, ...current.main.state));
      current.main = r.next;
      ({ metaLoss, lastLoss } = r);
    } else {
      const w = this.weightsFlat();
      const eps = Array.from({ length: es.particles }, (_, i) =>
        perturbation(this.seed, this.iteration, i, es.particles, w.length, es.sigma),
      );
      const unrollOn: Unroll<Trajectory> = (weights, from) => this.forward(weights, data, from);
      if (method === 'es') {
        const estimate = esEstimate(w, eps, current.main, unrollOn, es.sigma);
        this.applyGradient(estimate.gradient);
        // The unperturbed trajectory moves on with the weights the estimate was taken at.
        const r = unrollOn(w, current.main);
        current.main = r.next;
        ({ metaLoss, lastLoss } = r);
      } else {
        const estimate = pesEstimate(w, eps, current.particles, unrollOn, es.sigma);
        this.applyGradient(estimate.gradient);
        metaLoss = mean(estimate.plus.map((p, i) => (p + estimate.minus[i]) / 2));
        lastLoss = estimate.lastLoss;
      }
    }
    current.t += unroll;
    this.iteration++;
    return { loss: metaLoss, last_step_loss: lastLoss };
  }

  /** The frozen rule over whole horizons of the validation problems: mean final evaluation loss. */
  private validationLoss(): number {
    const { horizon, unroll } = this.config.metaTraining;
    const w = this.weightsFlat();
    const finals = this.config.validationSeeds.map((seed) => {
      const instance = this.problem.sample(seed);
      let trajectory = startTrajectory(instance.theta0, this.fns.stateShapes);
      for (let t = 0; t < horizon; t += unroll)
        trajectory = this.forward(w, instance.stepData(t, unroll), trajectory).next;
      return (this.fns.evaluationLoss(...instance.evaluationData(), trajectory.theta) as NDArray).toFlat()[0];
    });
    return mean(finals);
  }

  evaluate(): EvaluationMetrics {
    const valLoss = this.validationLoss();
    this.evaluations++;
    if (Number.isFinite(valLoss) && (!this.best || valLoss < this.best.valLoss)) {
      this.best = { weights: this.weightsByName(), valLoss, iteration: this.iteration };
      this.stale = 0;
    } else {
      this.stale++;
    }
    return { val_loss: valLoss, best_val_loss: this.best?.valLoss ?? Number.NaN };
  }

  /** Early stopping: a reason once validation has not improved for `patience` evaluations. */
  stopReason(): string | null {
    const { patience } = this.config.metaTraining;
    if (patience === null || this.stale < patience || !this.best) return null;
    return (
      `early stopping: validation loss has not improved for ${patience} evaluations ` +
      `(best ${formatValue(this.best.valLoss)} at meta-iteration ${this.best.iteration})`
    );
  }

  checkpoint(): Uint8Array {
    const tensors: Record<string, NDArray> = {};
    for (const [name, value] of Object.entries(this.weightsByName())) tensors[`weights.${name}`] = value;
    for (const slot of this.fns.metaOptimizer.state()) tensors[`meta.${slot.name}`] = slot.get();
    if (this.best)
      for (const [name, value] of Object.entries(this.best.weights)) tensors[`best.${name}`] = value;
    if (this.current) {
      Object.assign(tensors, trajectoryTensors('main', this.current.main));
      this.current.particles.forEach((p, i) => {
        Object.assign(
          tensors,
          trajectoryTensors(`pes${i}.plus`, p.plus),
          trajectoryTensors(`pes${i}.minus`, p.minus),
        );
        tensors[`pes${i}.accumulated`] = new Tensor(p.accumulated, [p.accumulated.length]);
      });
    }
    const position: Position = {
      iteration: this.iteration,
      nextProblemIndex: this.nextProblemIndex,
      problemSeed: this.current?.instance.seed ?? null,
      t: this.current?.t ?? 0,
      bestValLoss: this.best?.valLoss ?? null,
      bestIteration: this.best?.iteration ?? 0,
      stale: this.stale,
      evaluations: this.evaluations,
    };
    return encodeSafetensors(tensors, { position: JSON.stringify(position) });
  }

  restore(bytes: Uint8Array): void {
    const { tensors, metadata } = decodeSafetensors(bytes, 'meta-training checkpoint');
    const position = JSON.parse(metadata.position ?? 'null') as Position | null;
    if (!position)
      throw new Error('meta-training checkpoint has no position: it was written by another trainer');
    const pick = (prefix: string) =>
      Object.fromEntries(
        Object.entries(tensors)
          .filter(([name]) => name.startsWith(`${prefix}.`))
          .map(([name, value]) => [name.slice(prefix.length + 1), value]),
      );
    this.rule.module.loadStateDict(pick('weights'));
    const meta = pick('meta');
    for (const slot of this.fns.metaOptimizer.state()) {
      const value = meta[slot.name!];
      if (!value)
        throw new Error(
          `meta-training checkpoint has no meta.${slot.name}: it was written by another configuration`,
        );
      slot.set(value);
    }
    this.iteration = position.iteration;
    this.nextProblemIndex = position.nextProblemIndex;
    this.stale = position.stale;
    this.evaluations = position.evaluations;
    this.best =
      position.bestValLoss === null
        ? null
        : { weights: pick('best'), valLoss: position.bestValLoss, iteration: position.bestIteration };
    if (position.problemSeed === null) {
      this.current = null;
      return;
    }
    const stateCount = this.fns.stateShapes.length;
    const current = this.startProblem(position.problemSeed);
    current.t = position.t;
    current.main = trajectoryFrom('main', tensors, stateCount);
    current.particles.forEach((p, i) => {
      p.plus = trajectoryFrom(`pes${i}.plus`, tensors, stateCount);
      p.minus = trajectoryFrom(`pes${i}.minus`, tensors, stateCount);
      p.accumulated = new Float32Array(tensors[`pes${i}.accumulated`].toFlat());
    });
    this.current = current;
  }

  /** The best-validated weights (the current ones before any validation) as a learned-optimizer file. */
  artifacts(): TrainerArtifact[] {
    const weights = this.best?.weights ?? this.weightsByName();
    const provenance = {
      preset: this.config.preset,
      problem: this.config.problem,
      method: this.config.metaTraining.method,
      metaIteration: this.best?.iteration ?? this.iteration,
      valLoss: this.best?.valLoss ?? null,
      seed: this.seed,
    };
    return [
      {
        name: 'optimizer',
        format: 'safetensors',
        bytes: encodeLearnedOptimizer(this.rule, provenance, weights),
        meta: { kind: 'learned-optimizer', config: this.rule.config, ...provenance },
      },
    ];
  }

  environment(): TrainerEnvironment {
    return runEnvironment(this.backend);
  }
}
