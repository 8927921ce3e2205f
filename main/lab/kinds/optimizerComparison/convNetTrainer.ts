// The optimizer comparison's conv-net problem (curricula/schema/problems/convnet.schema.json): a
// ConvNet (engine/nn) classifying 28×28 grey images — the embedded MNIST digits or an IDX folder
// such as Debian's Fashion-MNIST — with softmax cross-entropy, trained by one handcrafted or
// learned optimizer. The split is fixed for every run (split seed 0) so runs compare on one
// validation set; the run's seed draws the initial weights and the batch order.
import { encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import { takeRows } from '../../../../engine/data/dataset.ts';
import { loadIdxFolder, loadMnist, type ImageDataset } from '../../../../engine/data/mnist.ts';
import { ConvNet, type ConvNetLayerSpec } from '../../../../engine/nn/convNet.ts';
import { reshape } from '../../../../engine/ops/reshape.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { TrainerArtifact, TrainerContext } from '../../trainers/trainer.ts';
import { ImageClassifierTrainer } from './imageClassifierTrainer.ts';
import type { OptimizerRunConfig } from './runConfig.ts';

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

export class ConvNetTrainer extends ImageClassifierTrainer {
  private net!: ConvNet;
  private problem!: ConvNetProblem;

  init(config: OptimizerRunConfig, seed: number, context?: TrainerContext): void {
    const problem = convNetProblem(config);
    const net = buildConvNet(problem, new Rng(seed));
    this.net = net;
    this.problem = problem;
    const classifier = { logits: (x: Variable) => convNetLogits(net, x), parameters: () => net.parameters() };
    this.compileClassifier(classifier, loadImages(problem), problem.batchSize, config, seed, context);
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
}
