// The sequence learner for character tasks (addition and the micro-task suite): a character
// language model — embedding → LSTM or GRU → linear over the vocabulary — that reads BOS, the
// prompt and SEP, and writes the answer and EOS (characterTasks.ts). It is trained with teacher
// forcing on the answer's targets only. An instance is answered right when every answer target
// is the model's argmax: then greedy decoding, fed its own (right) outputs, writes exactly the
// answer, so one forward pass grades a whole batch as decoding would.
//
// The recurrent net is unrolled at graph-building time, so each task width gets its own compiled
// step and measurement (built on first use); they share the parameters and optimizer slots.
import { fn, type CompiledFunction } from '../../../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../../engine/core/ndarray.ts';
import {
  CharacterVocabulary,
  characterWidth,
  encodeCharacterBatch,
  type CharacterTask,
  type EncodedCharacterBatch,
} from '../../../../../engine/data/characterTasks.ts';
import { grad } from '../../../../../engine/grad/grad.ts';
import { Dense } from '../../../../../engine/nn/dense.ts';
import { Embedding } from '../../../../../engine/nn/embedding.ts';
import { GRU } from '../../../../../engine/nn/gru.ts';
import { LSTM } from '../../../../../engine/nn/lstm.ts';
import type { Optimizer } from '../../../../../engine/optim/optimizer.ts';
import { dimshuffle } from '../../../../../engine/ops/dimshuffle.ts';
import { stack } from '../../../../../engine/ops/join.ts';
import { cast, div, mul, ne } from '../../../../../engine/ops/math.ts';
import { softmaxCrossEntropy } from '../../../../../engine/ops/nnet.ts';
import { argmax, sum } from '../../../../../engine/ops/reduce.ts';
import { reshape } from '../../../../../engine/ops/reshape.ts';
import { Rng, type RngState } from '../../../../../engine/random/rng.ts';
import { matrix } from '../../../../../engine/tensor.ts';
import { labBackend } from '../../../trainers/engineTrainer.ts';
import type { SkillLearner, SkillMeasurement, TrainedStep } from '../skillLearner.ts';
import { clipByGlobalNorm } from './learnerOptimizer.ts';

export interface SequenceModelSpec {
  cell: 'lstm' | 'gru';
  hidden: number;
  embedding: number;
  layers: number;
}

export interface SequenceLearnerOptions {
  model: SequenceModelSpec;
  batchSize: number;
  clipNorm?: number;
  /** Validation instances per skill, and the seed they are drawn with (the same for every run). */
  validation: { examples: number; seed: number };
}

interface WidthFunctions {
  train: CompiledFunction;
  measure: CompiledFunction;
}

export class SequenceLearner implements SkillLearner {
  readonly vocabulary: CharacterVocabulary;
  readonly parameters: SharedVariable[];
  readonly optimizer: Optimizer;
  private readonly tasks: readonly CharacterTask[];
  private readonly options: SequenceLearnerOptions;
  private readonly embedding: Embedding;
  private readonly recurrent: LSTM | GRU;
  private readonly output: Dense;
  private readonly byWidth = new Map<number, WidthFunctions>();
  private readonly validation: EncodedCharacterBatch[] = [];
  private rngs: Rng[];
  private readonly backend = labBackend();

  constructor(
    tasks: readonly CharacterTask[],
    options: SequenceLearnerOptions,
    optimizer: Optimizer,
    seed: number,
  ) {
    this.tasks = tasks;
    this.options = options;
    this.optimizer = optimizer;
    this.vocabulary = CharacterVocabulary.of(tasks);
    const rng = new Rng(seed, 41);
    const { cell, hidden, embedding, layers } = options.model;
    const V = this.vocabulary.size;
    this.embedding = new Embedding(V, embedding, { rng, name: 'learner.embedding' });
    this.recurrent =
      cell === 'gru'
        ? new GRU(embedding, hidden, { rng, layers, name: 'learner.gru' })
        : new LSTM(embedding, hidden, { rng, layers, name: 'learner.lstm' });
    this.output = new Dense(hidden, V, { rng, name: 'learner.output' });
    this.parameters = [
      ...this.embedding.parameters(),
      ...this.recurrent.parameters(),
      ...this.output.parameters(),
    ];
    // Each skill draws its training instances from its own stream of the run's seed.
    this.rngs = tasks.map((_, i) => new Rng(seed, 1000 + i));
    // Validation sets: the experiment's validation seed, so every run is measured on the same ones.
    tasks.forEach((task, i) => {
      const instances = task.sample(new Rng(options.validation.seed, 5000 + i), options.validation.examples);
      this.validation.push(encodeCharacterBatch(instances, this.vocabulary, characterWidth(task)));
    });
  }

  /** Loss (mean over answer targets) and, per instance, how many answer targets the argmax missed. */
  private graph(width: number): { inputs: Variable[]; loss: Variable; wrong: Variable } {
    const inputs = matrix('inputs', 'int32', [null, width]);
    const targets = matrix('targets', 'int32', [null, width]);
    const mask = matrix('mask', 'float32', [null, width]);
    const timeMajor = dimshuffle(this.embedding.forward(inputs), 1, 0, 2);
    const { outputs } = this.recurrent.forward(timeMajor);
    const hidden = this.options.model.hidden;
    const logits = this.output.forward(reshape(stack(outputs, 1), [-1, hidden]));
    const flatTargets = reshape(targets, [-1]);
    const flatMask = reshape(mask, [-1]);
    const loss = div(sum(mul(softmaxCrossEntropy(logits, flatTargets), flatMask)), sum(flatMask));
    const missed = mul(cast(ne(argmax(logits, 1), flatTargets), 'float32'), flatMask);
    return { inputs: [inputs, targets, mask], loss, wrong: sum(reshape(missed, [-1, width]), 1) };
  }

  private functionsFor(width: number): WidthFunctions {
    let functions = this.byWidth.get(width);
    if (!functions) {
      const { inputs, loss, wrong } = this.graph(width);
      const grads = grad(loss, this.parameters);
      const clipped = this.options.clipNorm ? clipByGlobalNorm(grads, this.options.clipNorm) : grads;
      functions = {
        train: fn(inputs, [loss, wrong], {
          updates: this.optimizer.updates(this.parameters, clipped),
          backend: this.backend,
        }),
        measure: fn(inputs, [loss, wrong], { backend: this.backend }),
      };
      this.byWidth.set(width, functions);
    }
    return functions;
  }

  /** Every shared variable a checkpoint must hold: parameters, then optimizer slots. */
  stateVariables(): SharedVariable[] {
    // Slots exist once a step function was built; build the widest so they all do.
    const widest = Math.max(...this.tasks.map(characterWidth));
    this.functionsFor(widest);
    return [...this.parameters, ...this.optimizer.state()];
  }

  trainStep(skill: number, options: { predictionGain: boolean }): TrainedStep {
    const task = this.tasks[skill];
    const width = characterWidth(task);
    const batch = encodeCharacterBatch(
      task.sample(this.rngs[skill], this.options.batchSize),
      this.vocabulary,
      width,
    );
    const { train, measure } = this.functionsFor(width);
    const [loss, wrong] = train(batch.inputs, batch.targets, batch.mask) as NDArray[];
    const lossBefore = loss.toFlat()[0];
    const correct = Uint8Array.from(wrong.toFlat(), (w) => (w === 0 ? 1 : 0));
    const step: TrainedStep = { loss: lossBefore, correct, examples: this.options.batchSize };
    if (options.predictionGain) {
      const after = (measure(batch.inputs, batch.targets, batch.mask) as NDArray[])[0].toFlat()[0];
      step.predictionGain = lossBefore - after;
    }
    return step;
  }

  evaluate(skill: number): SkillMeasurement {
    const data = this.validation[skill];
    const { measure } = this.functionsFor(characterWidth(this.tasks[skill]));
    const [loss, wrong] = measure(data.inputs, data.targets, data.mask) as NDArray[];
    const misses = wrong.toFlat();
    return { accuracy: misses.filter((w) => w === 0).length / misses.length, loss: loss.toFlat()[0] };
  }

  /** The compiled functions built so far, by name (the app's graph view). */
  compiledFunctions(): [string, CompiledFunction][] {
    return [...this.byWidth].flatMap(([width, f]): [string, CompiledFunction][] => [
      [`train step (width ${width})`, f.train],
      [`measure (width ${width})`, f.measure],
    ]);
  }

  get backendName(): string {
    return this.backend;
  }

  saveState(): { rngs: RngState[] } {
    return { rngs: this.rngs.map((r) => r.state()) };
  }

  restoreState(state: unknown): void {
    this.rngs = (state as { rngs: RngState[] }).rngs.map((s) => Rng.fromState(s));
  }
}
