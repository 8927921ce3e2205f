// The learner for MNIST streams (permuted and split MNIST): an MLP with one 10-way head shared by
// every skill — so split MNIST is class-incremental — trained on mini-batches drawn at random
// from the current skill's training images, with three optional mitigations of forgetting:
//   replay       a reservoir of earlier examples mixed into every batch (replayBuffer.ts)
//   ewc          at each stage's end, the Fisher diagonal of that skill anchors the weights
//                (elasticConsolidation.ts); the Fisher is the mean squared per-example gradient
//                of the log-likelihood of the true labels (the empirical Fisher) on `samples`
//                training images
//   progressive  one column per skill with laterals from the earlier, frozen ones
//                (engine/nn/progressive.ts); skill k is trained and answered by column k
import { fn, type CompiledFunction } from '../../../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../../../engine/core/graph.ts';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { takeRows } from '../../../../../engine/data/dataset.ts';
import type { ImageDataset } from '../../../../../engine/data/mnist.ts';
import type { ImageTaskData } from '../../../../../engine/data/mnistStreams.ts';
import { grad } from '../../../../../engine/grad/grad.ts';
import { crossEntropy } from '../../../../../engine/nn/losses.ts';
import { ProgressiveNet } from '../../../../../engine/nn/progressive.ts';
import { MLP } from '../../../../../engine/nn/sequential.ts';
import type { Optimizer } from '../../../../../engine/optim/optimizer.ts';
import { add, cast, eq } from '../../../../../engine/ops/math.ts';
import { argmax } from '../../../../../engine/ops/reduce.ts';
import { Rng, type RngState } from '../../../../../engine/random/rng.ts';
import { matrix, vector } from '../../../../../engine/tensor.ts';
import { labBackend } from '../../../trainers/engineTrainer.ts';
import type { LearnerSpec, TaskSpec } from '../config.ts';
import type { SkillLearner, SkillMeasurement, TrainedStep } from '../skillLearner.ts';
import { imageTaskOf, mnistSplits } from '../tasks.ts';
import { ElasticConsolidation } from './elasticConsolidation.ts';
import { clipByGlobalNorm } from './learnerOptimizer.ts';
import { ReservoirBuffer } from './replayBuffer.ts';

type MlpSpec = Extract<LearnerSpec['model'], { name: 'mlp' }>;

export interface ImageLearnerOptions extends Omit<LearnerSpec, 'model' | 'optimizer'> {
  model: MlpSpec;
  validation: { examples: number; seed: number };
}

interface ColumnFunctions {
  train: CompiledFunction;
  measure: CompiledFunction;
}

export class ImageLearner implements SkillLearner {
  private readonly options: ImageLearnerOptions;
  private readonly optimizer: Optimizer;
  private readonly data: ImageTaskData[];
  private readonly validation: ImageDataset[];
  private readonly net: MLP | ProgressiveNet;
  private readonly ewc: ElasticConsolidation | null;
  private readonly replay: ReservoirBuffer | null;
  private readonly functions: ColumnFunctions[] = [];
  private fisherOf: CompiledFunction | null = null;
  private rng: Rng;
  private readonly backend = labBackend();
  private readonly x = matrix('x', 'float32', [null, 784]);
  private readonly y = vector('y', 'int32');

  constructor(tasks: readonly TaskSpec[], options: ImageLearnerOptions, optimizer: Optimizer, seed: number) {
    this.options = options;
    this.optimizer = optimizer;
    const splits = mnistSplits(options.model.trainSize);
    this.data = tasks.map((t) => imageTaskOf(t, splits));
    this.validation = this.data.map((d) => {
      const n = Math.min(options.validation.examples, d.validation.y.shape[0]);
      const rows = Array.from({ length: n }, (_, i) => i);
      return { x: takeRows(d.validation.x, rows), y: takeRows(d.validation.y, rows) };
    });
    const init = new Rng(seed, 43);
    const { hidden, activation } = options.model;
    if (options.progressive) {
      const sizes = [784, ...(options.progressive.hidden ?? hidden), 10];
      this.net = new ProgressiveNet(sizes, tasks.length, {
        rng: init,
        activation,
        name: 'learner.progressive',
      });
    } else {
      this.net = new MLP([784, ...hidden, 10], { rng: init, activation, name: 'learner.mlp' });
    }
    this.ewc =
      options.ewc && !options.progressive
        ? new ElasticConsolidation(this.net.parameters(), options.ewc.lambda)
        : null;
    this.replay =
      options.replay && !options.progressive ? new ReservoirBuffer(options.replay.capacity) : null;
    this.rng = new Rng(seed, 47);
  }

  /** The column that answers skill k (0 for the single MLP). */
  private column(skill: number): number {
    return this.net instanceof ProgressiveNet ? skill : 0;
  }

  private logits(column: number): Variable {
    return this.net instanceof ProgressiveNet ? this.net.forward(this.x, column) : this.net.forward(this.x);
  }

  private functionsFor(column: number): ColumnFunctions {
    if (!this.functions[column]) {
      const logits = this.logits(column);
      const ce = crossEntropy(logits, this.y);
      const objective = this.ewc ? add(ce, this.ewc.penalty()) : ce;
      const params =
        this.net instanceof ProgressiveNet ? this.net.columnParameters(column) : this.net.parameters();
      const grads = grad(objective, params);
      const clipped = this.options.clipNorm ? clipByGlobalNorm(grads, this.options.clipNorm) : grads;
      const correct = cast(eq(argmax(logits, 1), this.y), 'int32');
      this.functions[column] = {
        train: fn([this.x, this.y], [ce, correct], {
          updates: this.optimizer.updates(params, clipped),
          backend: this.backend,
        }),
        measure: fn([this.x, this.y], [ce, correct], { backend: this.backend }),
      };
    }
    return this.functions[column];
  }

  stateVariables(): SharedVariable[] {
    const columns = this.net instanceof ProgressiveNet ? this.net.columnCount : 1;
    for (let k = 0; k < columns; k++) this.functionsFor(k);
    return [...this.net.parameters(), ...this.optimizer.state(), ...(this.ewc?.state() ?? [])];
  }

  trainStep(skill: number, options: { predictionGain: boolean }): TrainedStep {
    const train = this.data[skill].train;
    const rows = Array.from({ length: this.options.batchSize }, () => this.rng.int(0, train.y.shape[0]));
    let x = takeRows(train.x, rows);
    let y = takeRows(train.y, rows);
    const replayed = this.replay ? this.replay.sample(this.options.replay!.batch, this.rng) : [];
    if (replayed.length > 0) {
      const extra = replayed.map((e) => ({
        x: takeRows(this.data[e.skill].train.x, [e.row]),
        y: takeRows(this.data[e.skill].train.y, [e.row]),
      }));
      x = concatRows([x, ...extra.map((e) => e.x)]);
      y = concatRows([y, ...extra.map((e) => e.y)]);
    }
    const { train: step, measure } = this.functionsFor(this.column(skill));
    const [loss, correct] = step(x, y) as NDArray[];
    this.replay?.add(skill, rows, this.rng);
    // Only the skill's own examples are its graded answers; replayed ones were rehearsal.
    const graded = Uint8Array.from(correct.toFlat().slice(0, rows.length));
    const result: TrainedStep = {
      loss: loss.toFlat()[0],
      correct: graded,
      examples: rows.length + replayed.length,
    };
    if (options.predictionGain) {
      const after = (measure(x, y) as NDArray[])[0].toFlat()[0];
      result.predictionGain = result.loss - after;
    }
    return result;
  }

  evaluate(skill: number): SkillMeasurement {
    const { x, y } = this.validation[skill];
    const [loss, correct] = this.functionsFor(this.column(skill)).measure(x, y) as NDArray[];
    const flags = correct.toFlat();
    return { accuracy: flags.reduce((a, b) => a + b, 0) / flags.length, loss: loss.toFlat()[0] };
  }

  /** EWC: the Fisher diagonal of the finished skill anchors the weights where they are now. */
  endStage(skill: number): void {
    if (!this.ewc || !(this.net instanceof MLP)) return;
    const params = this.net.parameters();
    this.fisherOf ??= fn([this.x, this.y], grad(crossEntropy(this.net.forward(this.x), this.y), params), {
      backend: this.backend,
    });
    const train = this.data[skill].train;
    const samples = this.options.ewc!.samples;
    const fisher = params.map((p) => NDArray.zeros(p.get().shape, 'float32'));
    // A stream of its own, so consolidating does not shift the training batches' draws.
    const pick = new Rng(this.rng.seed, 53 + skill);
    for (let s = 0; s < samples; s++) {
      const row = pick.int(0, train.y.shape[0]);
      const grads = this.fisherOf(takeRows(train.x, [row]), takeRows(train.y, [row])) as NDArray[];
      grads.forEach((g, i) => {
        const values = g.contiguous().data;
        const f = fisher[i].data;
        for (let j = 0; j < values.length; j++) f[j] += (values[j] * values[j]) / samples;
      });
    }
    this.ewc.consolidate(fisher);
  }

  compiledFunctions(): [string, CompiledFunction][] {
    return this.functions.flatMap((f, k): [string, CompiledFunction][] =>
      f
        ? [
            [`train step${this.net instanceof ProgressiveNet ? ` (column ${k})` : ''}`, f.train],
            [`measure${this.net instanceof ProgressiveNet ? ` (column ${k})` : ''}`, f.measure],
          ]
        : [],
    );
  }

  get backendName(): string {
    return this.backend;
  }

  saveState(): { rng: RngState; replay: ReturnType<ReservoirBuffer['save']> | null } {
    return { rng: this.rng.state(), replay: this.replay?.save() ?? null };
  }

  restoreState(state: unknown): void {
    const saved = state as ReturnType<ImageLearner['saveState']>;
    this.rng = Rng.fromState(saved.rng);
    if (this.replay && saved.replay) this.replay.restore(saved.replay);
  }
}

/** Rows of several arrays of the same row shape, one after the other. */
function concatRows(parts: readonly NDArray[]): NDArray {
  const rowShape = parts[0].shape.slice(1);
  const rows = parts.reduce((n, p) => n + p.shape[0], 0);
  const out = NDArray.zeros([rows, ...rowShape], parts[0].dtype);
  let at = 0;
  for (const part of parts) {
    const data = part.contiguous().data;
    out.data.set(data, at);
    at += data.length;
  }
  return out;
}
