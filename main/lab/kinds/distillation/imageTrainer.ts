// The image trainer of a distillation experiment, on the graph engine. A mentor is an MLP (with
// dropout, as Hinton et al.'s) trained on the hard labels of the whole training split; a student
// learns from its transfer set, on the hard labels (baseline) or on Hinton et al.'s mix of the
// mentor's softened outputs and the hard labels. The mentor's logits come from a cache computed
// once per mentor file and transfer set ('cached'), or from the mentor's forward pass compiled
// into the student's own training step ('live': one native call does both). Evaluation measures
// validation and test loss, accuracy and errors; with an omitted class, the bias shift chosen on
// validation and the accuracy on that class; at the last step, the test confusion matrix.
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { BatchCursor } from '../../../../engine/data/batches.ts';
import type { ImageDataset } from '../../../../engine/data/mnist.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { distillationLoss } from '../../../../engine/nn/distillation.ts';
import { DropoutMLP } from '../../../../engine/nn/dropoutMlp.ts';
import { crossEntropy } from '../../../../engine/nn/losses.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix, vector } from '../../../../engine/tensor.ts';
import { EngineTrainer } from '../../trainers/engineTrainer.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  TrainerArtifact,
  TrainerContext,
} from '../../trainers/trainer.ts';
import {
  imageClasses,
  imageInputs,
  isTranslationTask,
  parseModel,
  type ImageTask,
  type MlpModel,
} from './config.ts';
import { loadImageSplits, transferSet } from './imageData.ts';
import {
  biasShiftGrid,
  chooseBiasShift,
  classAccuracy,
  classification,
  confusionMatrix,
  shiftedAccuracy,
} from './imageMetrics.ts';
import { cachedMentorOutputs } from './mentorOutputsCache.ts';
import { readMentor, type MentorModel } from './mentorInput.ts';
import { loadModelInto, mlpArchitecture, modelArtifact, type MlpArchitecture } from './modelArtifact.ts';
import type { DistillationRunConfig } from './runConfig.ts';
import { createRunOptimizer } from './runOptimizer.ts';

/** Rows per call when a network runs over a whole split (bounds the activations' memory). */
const chunkRows = 4096;

/** A network's logits on every row of `x`, in chunks. */
export function logitsInChunks(logitsOf: CompiledFunction, x: NDArray): NDArray {
  const [rows, width] = x.shape;
  const parts: NDArray[] = [];
  const data = x.contiguous().data;
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(rows, start + chunkRows);
    const slice = new NDArray(data.subarray(start * width, end * width), [end - start, width]);
    parts.push(logitsOf(slice) as NDArray);
  }
  if (parts.length === 1) return parts[0];
  const classes = parts[0].shape[1];
  const out = new Float32Array(rows * classes);
  let at = 0;
  for (const part of parts) {
    out.set(part.contiguous().data, at);
    at += part.data.length;
  }
  return new NDArray(out, [rows, classes]);
}

/** A mentor network with the file's weights, in evaluation mode (no dropout). */
function mentorNetwork(mentor: MentorModel): DropoutMLP {
  const architecture = mentor.architecture as MlpArchitecture;
  const network = new DropoutMLP([architecture.inputs, ...architecture.hidden, architecture.classes], {
    name: 'mentor',
    rng: new Rng(0),
    activation: architecture.activation,
  });
  loadModelInto(network, mentor);
  return network.eval();
}

type TransferSet = ImageDataset & { mentorLogits?: NDArray };

export class ImageDistillationTrainer extends EngineTrainer<DistillationRunConfig> {
  private config!: DistillationRunConfig;
  private spec!: MlpModel;
  private model!: DropoutMLP;
  private logitsOf!: CompiledFunction;
  private validation!: ImageDataset;
  private test!: ImageDataset;
  private steps = 0;
  private distilled = false;
  private batches!: BatchCursor<TransferSet>;
  /** Whether the mentor's logits came from the cache (for tests and the bench). */
  mentorLogitsCacheHit: boolean | null = null;

  init(config: DistillationRunConfig, seed: number, context?: TrainerContext): void {
    if (isTranslationTask(config.task)) {
      throw new Error(
        `the image trainer cannot run the ${config.task.name} task (use distillation-translation)`,
      );
    }
    this.config = config;
    this.steps = context?.loop.steps ?? Infinity;
    this.spec = parseModel(config.task, config.model, `the ${config.role}'s model`) as MlpModel;
    const splits = loadImageSplits(config.task as ImageTask);
    this.validation = splits.validation;
    this.test = splits.test;
    let train: TransferSet =
      config.role === 'student' && config.transfer
        ? transferSet(splits.train, config.transfer)
        : splits.train;
    // A transfer set smaller than a batch (3 % of a small split) trains on all of it every step.
    const B = Math.min(config.batchSize, train.y.shape[0]);

    const { hidden, activation, inputDropout, dropout } = this.spec;
    this.model = new DropoutMLP([imageInputs, ...hidden, imageClasses], {
      name: config.role,
      rng: new Rng(seed),
      activation,
      inputDropout,
      dropout,
    });
    const x = matrix('x', 'float32', [B, imageInputs]);
    const y = vector('y', 'int32', [B]);
    const logits = this.model.train().forward(x);
    const inputs: Variable[] = [x, y];
    let outputs: Variable[];
    const distillation = config.arm?.distillation;
    this.distilled = distillation !== undefined;
    if (distillation) {
      const mentor = readMentor(config, context, imageClasses);
      const network = mentorNetwork(mentor);
      let mentorLogits: Variable;
      if (config.mentorLogits === 'live') {
        mentorLogits = network.forward(x);
      } else {
        const rows = matrix('x', 'float32', [null, imageInputs]);
        const evaluateMentor = fn([rows], network.forward(rows), { backend: this.backend });
        const cached = this.cachedLogits(mentor, train, (rows) => logitsInChunks(evaluateMentor, rows));
        train = { ...train, mentorLogits: cached };
        mentorLogits = matrix('mentor_logits', 'float32', [B, imageClasses]);
        inputs.push(mentorLogits);
      }
      const terms = distillationLoss(logits, mentorLogits, y, {
        temperature: distillation.temperature,
        alpha: distillation.alpha,
        squaredTemperature: distillation.squaredTemperature,
        divergence: distillation.softLoss,
        reduction: distillation.reduction,
      });
      outputs = [terms.loss, terms.soft, terms.hard];
    } else {
      outputs = [crossEntropy(logits, y)];
    }
    this.batches = new BatchCursor(train, { batchSize: B, seed, dropLast: true });
    const optimizer = createRunOptimizer(config.optimizer);
    const params = this.model.parameters();
    const updates = [...optimizer.updates(params, grad(outputs[0], params)), ...this.model.stateUpdates()];
    this.trainStep = fn(inputs, outputs, { updates, backend: this.backend });
    this.state = [...params, ...optimizer.state(), ...this.model.dropoutCounters()];

    this.model.eval();
    const xe = matrix('x', 'float32', [null, imageInputs]);
    this.logitsOf = fn([xe], this.model.forward(xe), { backend: this.backend });
    this.position = { epoch: 0, batch: 0, step: 0 };
  }

  private cachedLogits(mentor: MentorModel, train: ImageDataset, compute: (x: NDArray) => NDArray): NDArray {
    const dataKey = { task: this.config.task, transfer: this.config.transfer, rows: train.y.shape[0] };
    const result = cachedMentorOutputs(mentor.path, dataKey, train.y.shape[0], () => compute(train.x));
    this.mentorLogitsCacheHit = result.hit;
    return result.values;
  }

  /** The next mini-batch; the (epoch, batch) cursor is all a checkpoint needs to find it again. */
  private nextBatch(): TransferSet {
    const batch = this.batches.next();
    this.position = { ...this.position, ...this.batches.position };
    return batch;
  }

  step(): StepMetrics {
    const batch = this.nextBatch();
    const args = batch.mentorLogits ? [batch.x, batch.y, batch.mentorLogits] : [batch.x, batch.y];
    const out = this.trainStep(...args) as NDArray[];
    this.position = { ...this.position, step: this.position.step + 1 };
    const [loss, soft, hard] = out.map((v) => v.toFlat()[0]);
    return this.distilled ? { loss, loss_soft: soft, loss_hard: hard } : { loss };
  }

  evaluate(): EvaluationMetrics {
    const validationLogits = logitsInChunks(this.logitsOf, this.validation.x);
    const testLogits = logitsInChunks(this.logitsOf, this.test.x);
    const v = classification(validationLogits, this.validation.y);
    const t = classification(testLogits, this.test.y);
    const metrics: EvaluationMetrics = {
      val_loss: v.loss,
      val_accuracy: v.accuracy,
      test_loss: t.loss,
      test_accuracy: t.accuracy,
      test_errors: t.errors,
    };
    const omitted = this.config.transfer?.omitClass;
    if (omitted !== undefined && this.config.biasShift) {
      const grid = biasShiftGrid(this.config.biasShift);
      const { shift } = chooseBiasShift(validationLogits, this.validation.y, omitted, grid);
      Object.assign(metrics, {
        bias_shift: shift,
        val_accuracy_omitted: classAccuracy(validationLogits, this.validation.y, omitted),
        test_accuracy_omitted: classAccuracy(testLogits, this.test.y, omitted),
        test_accuracy_omitted_shifted: classAccuracy(testLogits, this.test.y, omitted, shift),
        test_accuracy_shifted: shiftedAccuracy(testLogits, this.test.y, omitted, shift),
      });
    }
    // The confusion matrix once, at the end of the run: it is read from the run's final metrics.
    if (this.position.step >= this.steps) {
      confusionMatrix(testLogits, this.test.y).forEach((row, truth) =>
        row.forEach((count, predicted) => {
          metrics[`test_confusion_${truth}_${predicted}`] = count;
        }),
      );
    }
    return metrics;
  }

  override restore(bytes: Uint8Array): void {
    super.restore(bytes);
    this.batches.seek({ epoch: this.position.epoch, batch: this.position.batch });
  }

  artifacts(): TrainerArtifact[] {
    return [
      modelArtifact(this.model, mlpArchitecture(this.spec, imageInputs, imageClasses), {
        role: this.config.role,
        task: this.config.task.name,
        ...(this.config.arm ? { arm: this.config.arm.name } : {}),
      }),
    ];
  }

  protected override compiledFunctions(): [string, CompiledFunction][] {
    return [...super.compiledFunctions(), ['logits', this.logitsOf]];
  }
}
