// The optimizer comparison's conv-net problem (curricula/schema/problems/convnet.schema.json): a
// ConvNet (engine/nn) classifying 28×28 grey images — the embedded MNIST digits or an IDX folder
// such as Debian's Fashion-MNIST — with softmax cross-entropy, trained by one handcrafted or
// learned optimizer. The split is fixed for every run (split seed 0) so runs compare on one
// validation set; the run's seed draws the initial weights and the batch order.
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import { encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { BatchCursor } from '../../../../engine/data/batches.ts';
import { takeRows } from '../../../../engine/data/dataset.ts';
import { loadIdxFolder, loadMnist, type ImageDataset } from '../../../../engine/data/mnist.ts';
import { ConvNet, type ConvNetLayerSpec } from '../../../../engine/nn/convNet.ts';
import { crossEntropy } from '../../../../engine/nn/losses.ts';
import { accuracy } from '../../../../engine/nn/metrics.ts';
import { reshape } from '../../../../engine/ops/reshape.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import { EngineTrainer, scalarOf } from '../../trainers/engineTrainer.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  TrainerArtifact,
  TrainerContext,
} from '../../trainers/trainer.ts';
import type { OptimizerRunConfig } from './runConfig.ts';
import { optimizerForRun } from './runOptimizer.ts';

export interface ConvNetProblem {
  name: 'convnet';
  dataset: 'mnist' | 'idx';
  folder?: string;
  layers: ConvNetLayerSpec[];
  batchSize: number;
  trainSize: number;
  validationSize: number;
}

/** The images every run sees: [1, 28, 28] each, classes 0–9. */
export const convNetInput = [1, 28, 28] as const;

export function convNetProblem(config: OptimizerRunConfig): ConvNetProblem {
  return parseWithSchema<ConvNetProblem>(
    'problems/convnet.schema.json',
    config.problem,
    'the convnet problem',
  );
}

/** The network of a problem (initial weights from `rng`); the last layer must give 10 logits. */
export function buildConvNet(problem: ConvNetProblem, rng: Rng): ConvNet {
  const net = new ConvNet(convNetInput, problem.layers, { rng });
  const out = net.shapes[net.shapes.length - 1];
  if (out.length !== 1 || out[0] !== 10) {
    throw new Error(
      `the convnet problem's layers end in [${out.join(', ')}]; the last layer must be { type: dense, units: 10 } (one logit per class)`,
    );
  }
  return net;
}

/** Logits of a batch of flat [N, 784] images. */
export function convNetLogits(net: ConvNet, x: Variable): Variable {
  return net.forward(reshape(x, [-1, ...convNetInput]));
}

function loadImages(problem: ConvNetProblem): { train: ImageDataset; validation: ImageDataset } {
  const { dataset, folder, trainSize, validationSize } = problem;
  if (dataset === 'mnist') {
    if (trainSize + validationSize > 10_000) {
      throw new Error(
        `the convnet problem's trainSize ${trainSize} + validationSize ${validationSize} exceed the 10,000 embedded MNIST digits; ` +
          'lower them or use dataset: idx with a folder of full MNIST or Fashion-MNIST',
      );
    }
    const { train, validation } = loadMnist({
      seed: 0,
      sizes: { train: trainSize, validation: validationSize, test: 0 },
    });
    return { train, validation };
  }
  const { train, validation } = loadIdxFolder(folder!, { validation: validationSize, seed: 0 });
  if (train.x.shape[1] !== 784) {
    throw new Error(
      `${folder}: images have ${train.x.shape[1]} pixels; the convnet problem takes 28×28 (784) images`,
    );
  }
  const rows = Math.min(trainSize, train.y.shape[0]);
  const first = Array.from({ length: rows }, (_, i) => i);
  return { train: { x: takeRows(train.x, first), y: takeRows(train.y, first) }, validation };
}

/** The tag of a convnet run's model artifact (its trained parameters, by name). */
export const convNetModelFormat = 'curriculum-lab/convnet';

export class ConvNetTrainer extends EngineTrainer<OptimizerRunConfig> {
  private net!: ConvNet;
  private problem!: ConvNetProblem;
  private evaluateOn!: CompiledFunction;
  private validation!: ImageDataset;
  private batches!: BatchCursor<ImageDataset>;

  init(config: OptimizerRunConfig, seed: number, context?: TrainerContext): void {
    const problem = convNetProblem(config);
    const images = loadImages(problem);
    this.validation = images.validation;
    this.batches = new BatchCursor(images.train, { batchSize: problem.batchSize, seed, dropLast: true });
    const net = buildConvNet(problem, new Rng(seed));
    this.net = net;
    this.problem = problem;
    const x = matrix('x', 'float32', [null, 784]);
    const labels = vector('y', 'int32');
    const logits = convNetLogits(net, x);
    const loss = crossEntropy(logits, labels);
    this.compile([x, labels], loss, net.parameters(), optimizerForRun(config, context));
    this.evaluateOn = fn([x, labels], [loss, accuracy(logits, labels)], { backend: this.backend });
    this.position = { epoch: 0, batch: 0 };
  }

  /** The next mini-batch; the (epoch, batch) cursor is all a checkpoint needs to find it again. */
  private nextBatch(): ImageDataset {
    const batch = this.batches.next();
    this.position = { ...this.position, ...this.batches.position };
    return batch;
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

  /**
   * The trained network as the run's `model` artifact, so `lab export-model` finds it after the
   * run (a finished run's checkpoints are deleted). A few tens of kilobytes for the presets' net.
   */
  artifacts(): TrainerArtifact[] {
    const bytes = encodeSafetensors(this.net.stateDict(), { format: convNetModelFormat });
    return [
      { name: 'model', format: 'safetensors', bytes, meta: { kind: 'convnet', problem: this.problem } },
    ];
  }

  override restore(bytes: Uint8Array): void {
    super.restore(bytes);
    this.batches.seek({ epoch: this.position.epoch, batch: this.position.batch });
  }

  protected override compiledFunctions(): [string, CompiledFunction][] {
    return [...super.compiledFunctions(), ['evaluate', this.evaluateOn]];
  }
}
