// What the optimizer comparison's two image problems share (the MLP, trainers.ts, and the conv
// net, convNetTrainer.ts): softmax cross-entropy over 28×28 images flattened to 784 pixels,
// mini-batches drawn epoch after epoch from the run's seed, the validation set's loss and
// accuracy as the evaluation, and the batch cursor kept in the checkpoint's position.
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../../engine/core/graph.ts';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { BatchCursor } from '../../../../engine/data/batches.ts';
import type { ImageDataset } from '../../../../engine/data/mnist.ts';
import { crossEntropy } from '../../../../engine/nn/losses.ts';
import { accuracy } from '../../../../engine/nn/metrics.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';
import { EngineTrainer, scalarOf } from '../../trainers/engineTrainer.ts';
import type { EvaluationMetrics, StepMetrics, TrainerContext } from '../../trainers/trainer.ts';
import type { OptimizerRunConfig } from './runConfig.ts';
import { optimizerForRun } from './runOptimizer.ts';

/** A classifier to train: its logits for a batch of flattened images, and its parameters. */
export interface ImageClassifier {
  logits(x: Variable): Variable;
  parameters(): SharedVariable[];
}

export abstract class ImageClassifierTrainer extends EngineTrainer<OptimizerRunConfig> {
  private evaluateOn!: CompiledFunction;
  private validation!: ImageDataset;
  private batches!: BatchCursor<ImageDataset>;

  /** Compiles the run's training of `classifier` on `images`, `batchSize` images a step. */
  protected compileClassifier(
    classifier: ImageClassifier,
    images: { train: ImageDataset; validation: ImageDataset },
    batchSize: number,
    config: OptimizerRunConfig,
    seed: number,
    context?: TrainerContext,
  ): void {
    this.validation = images.validation;
    this.batches = new BatchCursor(images.train, { batchSize, seed, dropLast: true });
    const x = matrix('x', 'float32', [null, 784]);
    const labels = vector('y', 'int32');
    const logits = classifier.logits(x);
    const loss = crossEntropy(logits, labels);
    this.compile([x, labels], loss, classifier.parameters(), optimizerForRun(config, context));
    this.evaluateOn = fn([x, labels], [loss, accuracy(logits, labels)], { backend: this.backend });
    this.position = { epoch: 0, batch: 0 };
  }

  step(): StepMetrics {
    const batch = this.batches.next();
    this.position = { ...this.batches.position };
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
    this.batches.seek({ epoch: this.position.epoch, batch: this.position.batch });
  }

  protected override compiledFunctions(): [string, CompiledFunction][] {
    return [...super.compiledFunctions(), ['evaluate', this.evaluateOn]];
  }
}
