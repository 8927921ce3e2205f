// An MLP classifying MNIST-style images (Andrychowicz et al. 2016 §3.2: 784-20-10, sigmoid,
// minibatches of 128; the generalisation tests change the width, depth, activation, number of
// steps and dataset), or with `conv` a small conv net (§3.3's optimizee: 'same' 3×3 convolutions,
// each followed by 2×2 max pooling, then the dense layers) on the same images. θ is the
// network's weights and biases in the model's flat layout (model.layout(): mlp.0.W, mlp.0.b, …
// for the MLP). An instance (a seed) draws θ0 ~ N(0, σ²) for every coordinate, as
// deepmind/learning-to-learn's problems.mnist initialises, and its own minibatch sequence: the
// batch of step t is drawn with replacement from Philox stream t + 1 of the seed, so any step's
// batch is found without replaying the ones before it (a resumed run sees the same batches).
import type { Variable } from '../../../../../engine/core/graph.ts';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { takeRows } from '../../../../../engine/data/dataset.ts';
import type { ImageDataset } from '../../../../../engine/data/mnist.ts';
import type { Activation } from '../../../../../engine/nn/activation.ts';
import { crossEntropy } from '../../../../../engine/nn/losses.ts';
import { ConvNet, type ConvNetLayerSpec } from '../../../../../engine/nn/convNet.ts';
import { MLP, type Sequential } from '../../../../../engine/nn/sequential.ts';
import { reshape } from '../../../../../engine/ops/reshape.ts';
import { subtensor } from '../../../../../engine/ops/subtensor.ts';
import { bindFlat } from '../../../../../engine/params/symbolic.ts';
import { normal, permutation, randint } from '../../../../../engine/random/philox.ts';
import { Rng } from '../../../../../engine/random/rng.ts';
import { tensor } from '../../../../../engine/tensor.ts';
import { imageDatasetSplit, type ImageDatasetName } from './imageDatasets.ts';
import type { MetaProblem, ProblemInstance, ProblemSlot } from './metaProblem.ts';

export interface MnistProblemOptions {
  name: 'l2l-mnist';
  dataset: ImageDatasetName;
  split: 'train' | 'test';
  hidden: number[];
  conv: { channels: number; kernel: number }[];
  activation: Activation;
  batchSize: number;
  thetaStddev: number;
  evaluationSize: number;
}

const imagePixels = 784;
const imageSide = 28;
const classes = 10;

/** The conv optimizee's layers: each conv 'same'-padded with the activation, then 2×2 max pooling. */
function convLayers(options: MnistProblemOptions): ConvNetLayerSpec[] {
  return [
    ...options.conv.flatMap((c): ConvNetLayerSpec[] => [
      {
        type: 'conv',
        channels: c.channels,
        kernel: c.kernel,
        padding: (c.kernel - 1) / 2,
        activation: options.activation,
      },
      { type: 'maxpool', kernel: 2 },
    ]),
    { type: 'flatten' },
    ...options.hidden.map((units): ConvNetLayerSpec => ({
      type: 'dense',
      units,
      activation: options.activation,
    })),
    { type: 'dense', units: classes },
  ];
}

export class MnistProblem implements MetaProblem {
  readonly name = 'l2l-mnist';
  readonly size: number;
  readonly slots: readonly ProblemSlot[];
  readonly evaluationInputs: readonly Variable[];
  private readonly options: MnistProblemOptions;
  private readonly model: Sequential;
  private data: ImageDataset | null = null;
  private evaluation: NDArray[] | null = null;

  constructor(options: MnistProblemOptions) {
    this.options = options;
    // The model only lends its structure: every forward pass reads its weights from a flat θ.
    this.model =
      options.conv.length > 0
        ? new ConvNet([1, imageSide, imageSide], convLayers(options), { rng: new Rng(0) })
        : new MLP([imagePixels, ...options.hidden, classes], {
            rng: new Rng(0),
            activation: options.activation,
          });
    const layout = this.model.layout();
    this.size = layout.size;
    this.slots = layout.slots.map((s) => ({ name: s.name, shape: s.shape, size: s.size }));
    this.evaluationInputs = [
      tensor('float32', [options.evaluationSize, imagePixels], 'x_eval'),
      tensor('int32', [options.evaluationSize], 'labels_eval'),
    ];
  }

  private images(): ImageDataset {
    this.data ??= imageDatasetSplit(this.options.dataset, this.options.split);
    const rows = this.data.y.shape[0];
    if (rows < this.options.evaluationSize) {
      throw new Error(
        `l2l-mnist: evaluationSize ${this.options.evaluationSize} exceeds the ${rows} images of ${this.options.dataset} (${this.options.split})`,
      );
    }
    return this.data;
  }

  stepInputs(steps: number): Variable[] {
    const { batchSize } = this.options;
    return [
      tensor('float32', [steps + 1, batchSize, imagePixels], 'x'),
      tensor('int32', [steps + 1, batchSize], 'labels'),
    ];
  }

  private lossOn(x: Variable, labels: Variable, theta: Variable): Variable {
    const binding = bindFlat(this.model.parameters(), this.model.layout(), theta);
    // The conv net reads [batch, 1, 28, 28] images; the data stays as rows of pixels.
    const input = this.options.conv.length > 0 ? reshape(x, [-1, 1, imageSide, imageSide]) : x;
    return crossEntropy(this.model.forward(input, binding), labels);
  }

  loss([xs, ys]: readonly Variable[], theta: Variable, t: number): Variable {
    return this.lossOn(subtensor(xs, t), subtensor(ys, t), theta);
  }

  evaluationLoss([x, labels]: readonly Variable[], theta: Variable): Variable {
    return this.lossOn(x, labels, theta);
  }

  private evaluationData(): NDArray[] {
    if (!this.evaluation) {
      const images = this.images();
      // A fixed sample of the training images, the same for every instance and every run.
      const order = permutation({ seed: 0, stream: 1 }, images.y.shape[0]).subarray(
        0,
        this.options.evaluationSize,
      );
      this.evaluation = [takeRows(images.x, order), takeRows(images.y, order)];
    }
    return this.evaluation;
  }

  sample(seed: number): ProblemInstance {
    const images = this.images();
    const rows = images.y.shape[0];
    const { batchSize, thetaStddev } = this.options;
    const theta0 = normal({ seed, stream: 0 }, this.size, 'float32');
    for (let i = 0; i < theta0.length; i++) theta0[i] *= thetaStddev;
    const stepData = (start: number, steps: number): NDArray[] => {
      const count = steps + 1;
      const indices = new Int32Array(count * batchSize);
      for (let t = 0; t < count; t++)
        indices.set(randint({ seed, stream: start + t + 1 }, batchSize, 0, rows), t * batchSize);
      const x = takeRows(images.x, indices);
      const y = takeRows(images.y, indices);
      return [new NDArray(x.data, [count, batchSize, imagePixels]), new NDArray(y.data, [count, batchSize])];
    };
    return {
      seed,
      theta0: new NDArray(theta0, [this.size]),
      stepData,
      evaluationData: () => this.evaluationData(),
    };
  }
}
