// The lab's built-in trainers, on the graph engine: random quadratics ‖Wθ − y‖² and an MLP on
// MNIST, each optimised by one of engine/optim's handcrafted optimizers. One compiled step is one
// call into the backend (native cpu when its addon is built, else the js reference backend).
// Checkpoints are safetensors of every shared variable (parameters and optimizer slots, the step
// counter included) plus the data position, so a restored run continues bit for bit.
import '../../../engine/backends/cpu.ts';
import { fn, type CompiledFunction } from '../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../engine/core/graph.ts';
import { NDArray } from '../../../engine/core/ndarray.ts';
import { batches } from '../../../engine/data/batches.ts';
import type { ImageDataset } from '../../../engine/data/mnist.ts';
import { loadMnist } from '../../../engine/data/mnist.ts';
import { randomQuadratics } from '../../../engine/data/quadratics.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../engine/io/safetensors.ts';
import type { Activation } from '../../../engine/nn/activation.ts';
import { crossEntropy } from '../../../engine/nn/losses.ts';
import { accuracy } from '../../../engine/nn/metrics.ts';
import { MLP } from '../../../engine/nn/sequential.ts';
import { sqr, sub } from '../../../engine/ops/math.ts';
import { dot } from '../../../engine/ops/linalg.ts';
import { sum } from '../../../engine/ops/reduce.ts';
import { createOptimizer, type OptimizerKind } from '../../../engine/optim/index.ts';
import { Rng } from '../../../engine/random/rng.ts';
import { constant, matrix, shared, vector } from '../../../engine/tensor.ts';
import { loadNativeAddon } from '../../../native/addon.ts';
import { labInfo } from '../../api/labInfo.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  Trainer,
  TrainerDefinition,
  TrainerRunConfig,
} from './trainer.ts';

function preferredBackend(): 'cpu' | 'js' {
  try {
    loadNativeAddon();
    return 'cpu';
  } catch {
    return 'js';
  }
}

function scalarOf(value: NDArray | NDArray[]): number {
  return (Array.isArray(value) ? value[0] : value).toFlat()[0];
}

/** The optimizer of a run config, built by engine/optim from the same option names. */
function optimizerFor(config: TrainerRunConfig) {
  const { name, ...options } = config.optimizer;
  return createOptimizer(name as OptimizerKind, options);
}

/**
 * What both trainers share: the shared variables to checkpoint, the compiled step, the backend
 * that runs it. `position` is trainer-specific state outside the graph (the data cursor).
 */
export abstract class EngineTrainer implements Trainer {
  protected state: SharedVariable[] = [];
  protected trainStep!: CompiledFunction;
  protected position: Record<string, number> = {};

  abstract init(config: TrainerRunConfig, seed: number): void;
  abstract step(): StepMetrics;
  abstract evaluate(): EvaluationMetrics;

  /** Compiles the update step for `loss` over `params`, remembering what to checkpoint. */
  protected compile(
    inputs: Variable[],
    loss: Variable,
    params: SharedVariable[],
    config: TrainerRunConfig,
  ): void {
    const optimizer = optimizerFor(config);
    const updates = optimizer.updates(params, grad(loss, params));
    this.trainStep = fn(inputs, loss, { updates, backend: preferredBackend() });
    this.state = [...params, ...optimizer.state()];
  }

  checkpoint(): Uint8Array {
    const tensors = Object.fromEntries(this.state.map((v) => [v.name!, v.get()]));
    return encodeSafetensors(tensors, { position: JSON.stringify(this.position) });
  }

  restore(bytes: Uint8Array): void {
    const { tensors, metadata } = decodeSafetensors(bytes, 'checkpoint');
    for (const variable of this.state) {
      const value = tensors[variable.name!];
      if (!value)
        throw new Error(`checkpoint has no value for ${variable.name}: it was written by another model`);
      variable.set(value);
    }
    this.position = JSON.parse(metadata.position ?? '{}') as Record<string, number>;
  }

  environment() {
    const backend = this.trainStep.backend.name;
    return { engineVersion: labInfo().engineVersion, backend, device: backend === 'cuda' ? 'gpu' : 'cpu' };
  }
}

class QuadraticsTrainer extends EngineTrainer {
  private lossOf!: CompiledFunction;

  init(config: TrainerRunConfig, seed: number): void {
    const { dims, variant, thetaStddev } = config.problem as unknown as {
      dims: number;
      variant: 'gaussian' | 'uniform';
      thetaStddev: number;
    };
    const problem = randomQuadratics({ batch: 1, dims, seed, variant, thetaStddev, dtype: 'float32' });
    const W = constant(NDArray.from(problem.W.data, [dims, dims], 'float32'), undefined, 'W');
    const y = constant(NDArray.from(problem.y.data, [dims], 'float32'), undefined, 'y');
    const theta = shared(NDArray.from(problem.theta0.data, [dims], 'float32'), 'theta');
    const loss = sum(sqr(sub(dot(W, theta), y)));
    this.compile([], loss, [theta], config);
    this.lossOf = fn([], loss, { backend: this.trainStep.backend.name as 'cpu' | 'js' });
  }

  step(): StepMetrics {
    return { loss: scalarOf(this.trainStep()) };
  }

  /** The objective is deterministic: its value now is the validation loss. */
  evaluate(): EvaluationMetrics {
    return { val_loss: scalarOf(this.lossOf()) };
  }
}

class MnistMlpTrainer extends EngineTrainer {
  private evaluateOn!: CompiledFunction;
  private train!: ImageDataset;
  private validation!: ImageDataset;
  private batchSize = 0;
  private seed = 0;
  private epochBatches: Iterator<ImageDataset> | null = null;

  init(config: TrainerRunConfig, seed: number): void {
    const { hidden, activation, batchSize, trainSize, validationSize } = config.problem as unknown as {
      hidden: number[];
      activation: Activation;
      batchSize: number;
      trainSize: number;
      validationSize: number;
    };
    // The split is the same for every run (split seed 0): seeds vary initialisation and batch
    // order, never which digits are held out, so runs compare on one validation set.
    const splits = loadMnist({ seed: 0, sizes: { train: trainSize, validation: validationSize, test: 0 } });
    this.train = splits.train;
    this.validation = splits.validation;
    this.batchSize = batchSize;
    this.seed = seed;
    const mlp = new MLP([784, ...hidden, 10], { rng: new Rng(seed), activation });
    const x = matrix('x', 'float32', [null, 784]);
    const labels = vector('y', 'int32');
    const logits = mlp.forward(x);
    const loss = crossEntropy(logits, labels);
    this.compile([x, labels], loss, mlp.parameters(), config);
    this.evaluateOn = fn([x, labels], [loss, accuracy(logits, labels)], {
      backend: this.trainStep.backend.name as 'cpu' | 'js',
    });
    this.position = { epoch: 0, batch: 0 };
  }

  /** The next mini-batch; the (epoch, batch) cursor is all a checkpoint needs to find it again. */
  private nextBatch(): ImageDataset {
    for (;;) {
      if (!this.epochBatches) {
        const { epoch, batch } = this.position;
        this.epochBatches = batches(this.train, {
          batchSize: this.batchSize,
          seed: this.seed,
          epoch,
          dropLast: true,
        });
        for (let skipped = 0; skipped < batch; skipped++) this.epochBatches.next();
      }
      const next = this.epochBatches.next();
      if (!next.done) {
        this.position = { epoch: this.position.epoch, batch: this.position.batch + 1 };
        return next.value;
      }
      this.position = { epoch: this.position.epoch + 1, batch: 0 };
      this.epochBatches = null;
    }
  }

  step(): StepMetrics {
    const batch = this.nextBatch();
    return { loss: scalarOf(this.trainStep(batch.x, batch.y)) };
  }

  evaluate(): EvaluationMetrics {
    const [loss, acc] = (this.evaluateOn(this.validation.x, this.validation.y) as NDArray[]).map(
      (v) => v.toFlat()[0],
    );
    return { val_loss: loss, val_accuracy: acc };
  }

  override restore(bytes: Uint8Array): void {
    super.restore(bytes);
    this.epochBatches = null;
  }
}

export const trainers: TrainerDefinition[] = [
  {
    name: 'quadratics',
    description: 'Random quadratics ‖Wθ − y‖² (engine/data/quadratics.ts) on the graph engine',
    create: () => new QuadraticsTrainer(),
  },
  {
    name: 'mnist-mlp',
    description: 'An MLP on the embedded MNIST digits with softmax cross-entropy, on the graph engine',
    create: () => new MnistMlpTrainer(),
  },
];
