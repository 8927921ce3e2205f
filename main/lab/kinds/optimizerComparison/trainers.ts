// The optimizer comparison's built-in trainers, on the graph engine: random quadratics ‖Wθ − y‖²
// and an MLP on MNIST, each optimised by one of engine/optim's handcrafted optimizers. Each
// checks its problem's options against curricula/schema/problems/<name>.schema.json, so a
// stored config that no longer fits fails with the key that is wrong.
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { loadMnist } from '../../../../engine/data/mnist.ts';
import { randomQuadratics } from '../../../../engine/data/quadratics.ts';
import type { Activation } from '../../../../engine/nn/activation.ts';
import { MLP } from '../../../../engine/nn/sequential.ts';
import { dot } from '../../../../engine/ops/linalg.ts';
import { sqr, sub } from '../../../../engine/ops/math.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, shared } from '../../../../engine/tensor.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import { EngineTrainer, scalarOf } from '../../trainers/engineTrainer.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  TrainerContext,
  TrainerDefinition,
} from '../../trainers/trainer.ts';
import { optimizerRunConfig, type OptimizerRunConfig } from './runConfig.ts';
import { optimizerForRun } from './runOptimizer.ts';
import { ConvNetTrainer } from './convNetTrainer.ts';
import { ImageClassifierTrainer } from './imageClassifierTrainer.ts';

/** The problem's options, checked against its schema (defaults filled in). */
function problemOptions<Options>(config: OptimizerRunConfig): Options {
  const name = config.problem.name;
  return parseWithSchema<Options>(`problems/${name}.schema.json`, config.problem, `the ${name} problem`);
}

interface QuadraticsOptions {
  name: 'quadratics';
  dims: number;
  variant: 'gaussian' | 'uniform';
  thetaStddev: number;
}

export class QuadraticsTrainer extends EngineTrainer<OptimizerRunConfig> {
  private lossOf!: CompiledFunction;

  init(config: OptimizerRunConfig, seed: number, context?: TrainerContext): void {
    const { dims, variant, thetaStddev } = problemOptions<QuadraticsOptions>(config);
    const problem = randomQuadratics({ batch: 1, dims, seed, variant, thetaStddev, dtype: 'float32' });
    const W = constant(NDArray.from(problem.W.data, [dims, dims], 'float32'), undefined, 'W');
    const y = constant(NDArray.from(problem.y.data, [dims], 'float32'), undefined, 'y');
    const theta = shared(NDArray.from(problem.theta0.data, [dims], 'float32'), 'theta');
    const loss = sum(sqr(sub(dot(W, theta), y)));
    this.compile([], loss, [theta], optimizerForRun(config, context));
    this.lossOf = fn([], loss, { backend: this.backend });
  }

  step(): StepMetrics {
    return { loss: scalarOf(this.trainStep()) };
  }

  protected override compiledFunctions(): [string, CompiledFunction][] {
    return [...super.compiledFunctions(), ['loss', this.lossOf]];
  }

  /** The objective is deterministic: its value now is the validation loss. */
  evaluate(): EvaluationMetrics {
    return { val_loss: scalarOf(this.lossOf()) };
  }
}

interface MnistMlpOptions {
  name: 'mnist-mlp';
  hidden: number[];
  activation: Activation;
  batchSize: number;
  trainSize: number;
  validationSize: number;
}

export class MnistMlpTrainer extends ImageClassifierTrainer {
  init(config: OptimizerRunConfig, seed: number, context?: TrainerContext): void {
    const { hidden, activation, batchSize, trainSize, validationSize } =
      problemOptions<MnistMlpOptions>(config);
    // The split is the same for every run (split seed 0): seeds vary initialisation and batch
    // order, never which digits are held out, so runs compare on one validation set.
    const splits = loadMnist({ seed: 0, sizes: { train: trainSize, validation: validationSize, test: 0 } });
    const mlp = new MLP([784, ...hidden, 10], { rng: new Rng(seed), activation });
    const classifier = { logits: (x: Variable) => mlp.forward(x), parameters: () => mlp.parameters() };
    this.compileClassifier(classifier, splits, batchSize, config, seed, context);
  }
}

export const trainers: TrainerDefinition<OptimizerRunConfig>[] = [
  {
    name: 'quadratics',
    description: 'Random quadratics ‖Wθ − y‖² (engine/data/quadratics.ts) on the graph engine',
    runConfig: optimizerRunConfig,
    create: () => new QuadraticsTrainer(),
  },
  {
    name: 'mnist-mlp',
    description: 'An MLP on the embedded MNIST digits with softmax cross-entropy, on the graph engine',
    runConfig: optimizerRunConfig,
    create: () => new MnistMlpTrainer(),
  },
  {
    name: 'convnet',
    description:
      'A conv net (engine/nn ConvNet) on the embedded MNIST digits or an IDX folder (Fashion-MNIST), softmax cross-entropy, on the graph engine',
    runConfig: optimizerRunConfig,
    create: () => new ConvNetTrainer(),
  },
];
