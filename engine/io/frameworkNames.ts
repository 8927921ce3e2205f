// Which name each parameter of an nn model has in another framework's weight file, and what it
// is (its TensorRole, for frameworks.ts's layout conversions). The naming conventions:
//
// - pytorch: the state_dict of the model's PyTorch twin. A Sequential (MLP, ConvNet) is
//   nn.Sequential with an activation module after each activated layer, so its layers are
//   numbered as PyTorch numbers them (lab convnet.0 … → `0.weight`, an activated conv then a
//   pool → the next layer is `3.`); Dense/Conv2d → weight, bias; LSTMCell/GRUCell → weight_ih,
//   weight_hh, bias_ih, bias_hh; a stacked LSTM/GRU → nn.LSTM's weight_ih_l0 …; Embedding → weight;
//   other modules keep their children's names (`lstm.`, `out.`).
// - keras: Keras's default layer names in creation order (dense, dense_1, conv2d, lstm, …) with
//   its variables (kernel, bias, recurrent_kernel, embeddings); an LSTM's one bias is the lab's
//   b_ih + b_hh (split back as b_ih = bias, b_hh = 0). Keras GRUs use another gate order and
//   two bias rows: not mapped (an error says so).
// - lab and theano: the lab's own names (theano differs in layout only: kernels flipped).
import type { SharedVariable } from '../core/graph.ts';
import { Conv2d } from '../nn/conv.ts';
import { Dense } from '../nn/dense.ts';
import { Embedding } from '../nn/embedding.ts';
import { GRU, GRUCell } from '../nn/gru.ts';
import { LSTM, LSTMCell } from '../nn/lstm.ts';
import type { Module } from '../nn/module.ts';
import { AvgPool2d, Flatten, MaxPool2d } from '../nn/pooling.ts';
import { FusedGateCell } from '../nn/recurrent.ts';
import { ConvNet } from '../nn/convNet.ts';
import { Sequential } from '../nn/sequential.ts';
import type { Framework, TensorContext, TensorRole } from './frameworks.ts';

/** One tensor of a framework's file and the lab parameter(s) it holds. */
export interface FrameworkTensor {
  /** Its name in the framework's file. */
  name: string;
  role: TensorRole;
  /** The lab parameter(s): one, or two for a Keras LSTM bias (b_ih + b_hh). */
  params: SharedVariable[];
  /** Lab names of `params`, for reports. */
  labNames: string[];
  /** Layout facts the conversion needs (a Dense layer after a Flatten of a [C, H, W] map). */
  context: TensorContext;
}

const tensor = (name: string, role: TensorRole, ...params: SharedVariable[]): FrameworkTensor => ({
  name,
  role,
  params,
  labNames: params.map((p) => p.name ?? '?'),
  context: {},
});

function roleOfParam(layer: Module, p: SharedVariable): TensorRole {
  if (layer instanceof Dense) return p === layer.W ? 'dense.weight' : 'bias';
  if (layer instanceof Conv2d) return p === layer.W ? 'conv2d.weight' : 'bias';
  if (layer instanceof FusedGateCell) {
    if (p === layer.Wih) return 'rnn.weight_ih';
    if (p === layer.Whh) return 'rnn.weight_hh';
    return 'bias';
  }
  return p.staticShape.length === 1 ? 'bias' : 'other';
}

/** Own parameters (not the children's) of a module, with their local names. */
function ownParams(module: Module): [string, SharedVariable][] {
  const childParams = new Set(module.childModules().flatMap(([, c]) => c.parameters()));
  return module
    .namedParameters()
    .filter(([, p]) => !childParams.has(p))
    .map(([name, p]) => [name.slice(module.name.length + 1), p]);
}

/** The lab's own names: the theano and lab "frameworks". */
function labTensors(module: Module): FrameworkTensor[] {
  const out: FrameworkTensor[] = ownParams(module).map(([, p]) =>
    tensor(p.name ?? '?', roleOfParam(module, p), p),
  );
  for (const [, child] of module.childModules()) out.push(...labTensors(child));
  return out;
}

const torchLocal: Readonly<Record<string, string>> = {
  W: 'weight',
  b: 'bias',
  W_ih: 'weight_ih',
  W_hh: 'weight_hh',
  b_ih: 'bias_ih',
  b_hh: 'bias_hh',
};

function hasActivationModule(layer: Module): boolean {
  return (layer instanceof Dense || layer instanceof Conv2d) && layer.activation !== 'identity';
}

function torchTensors(module: Module, prefix: string): FrameworkTensor[] {
  const out: FrameworkTensor[] = [];
  if (module instanceof LSTM || module instanceof GRU) {
    module.cells.forEach((cell, k) => {
      for (const [local, p] of ownParams(cell))
        out.push(tensor(`${prefix}${torchLocal[local]}_l${k}`, roleOfParam(cell, p), p));
    });
    return out;
  }
  for (const [local, p] of ownParams(module)) {
    out.push(tensor(`${prefix}${torchLocal[local] ?? local}`, roleOfParam(module, p), p));
  }
  if (module instanceof Sequential) {
    let index = 0;
    for (const layer of module.layers) {
      out.push(...torchTensors(layer, `${prefix}${index}.`));
      index += hasActivationModule(layer) ? 2 : 1;
    }
    return out;
  }
  for (const [local, child] of module.childModules()) out.push(...torchTensors(child, `${prefix}${local}.`));
  return out;
}

function kerasTensors(module: Module, counters: Map<string, number>): FrameworkTensor[] {
  if (module instanceof ConvNet) return kerasConvNet(module, counters);
  const layerName = (kind: string): string => {
    const n = counters.get(kind) ?? 0;
    counters.set(kind, n + 1);
    return n === 0 ? kind : `${kind}_${n}`;
  };
  if (module instanceof Dense || module instanceof Conv2d) {
    const name = layerName(module instanceof Dense ? 'dense' : 'conv2d');
    const out = [tensor(`${name}/kernel`, roleOfParam(module, module.W), module.W)];
    if (module.b) out.push(tensor(`${name}/bias`, 'bias', module.b));
    return out;
  }
  if (module instanceof GRUCell) {
    throw new Error(
      `${module.name}: Keras GRU weights use another gate order (z, r, h) and two bias rows; ` +
        'exchange GRU weights in the pytorch layout instead',
    );
  }
  if (module instanceof LSTMCell) {
    const name = layerName('lstm');
    return [
      tensor(`${name}/kernel`, 'rnn.weight_ih', module.Wih),
      tensor(`${name}/recurrent_kernel`, 'rnn.weight_hh', module.Whh),
      tensor(`${name}/bias`, 'bias', module.bih, module.bhh),
    ];
  }
  if (module instanceof Embedding) return [tensor(`${layerName('embedding')}/embeddings`, 'other', module.W)];
  const own = ownParams(module);
  if (own.length > 0) {
    throw new Error(
      `${module.name} (${module.constructor.name}) has parameters of its own (${own.map(([n]) => n).join(', ')}) ` +
        'that no Keras layer holds; exchange its weights in the lab or pytorch layout',
    );
  }
  return module.childModules().flatMap(([, child]) => kerasTensors(child, counters));
}

/** A ConvNet's layers; the first Dense after a Flatten of a [C, H, W] map reads Keras's (H, W, C) rows. */
function kerasConvNet(net: ConvNet, counters: Map<string, number>): FrameworkTensor[] {
  const out: FrameworkTensor[] = [];
  net.layers.forEach((layer, i) => {
    const tensors = kerasTensors(layer, counters);
    const flattened =
      i >= 1 && net.specs[i - 1].type === 'flatten'
        ? i === 1
          ? net.inputShape
          : net.shapes[i - 2]
        : undefined;
    if (layer instanceof Dense && flattened?.length === 3) tensors[0].context = { flattenedFrom: flattened };
    out.push(...tensors);
  });
  return out;
}

/** Every tensor of `module`'s weight file in `framework`'s names, in parameter order. */
export function frameworkTensors(module: Module, framework: Framework): FrameworkTensor[] {
  switch (framework) {
    case 'pytorch':
      return torchTensors(module, '');
    case 'keras':
      return kerasTensors(module, new Map());
    case 'lab':
    case 'theano':
      return labTensors(module);
  }
}

const torchActivation: Readonly<Record<string, string>> = {
  relu: 'nn.ReLU()',
  sigmoid: 'nn.Sigmoid()',
  tanh: 'nn.Tanh()',
  softplus: 'nn.Softplus()',
};

/**
 * The PyTorch twin of a Sequential model as Python source (`nn.Sequential(...)`), whose
 * state_dict has exactly frameworkTensors(model, 'pytorch')'s names and shapes.
 */
export function torchSequentialSource(model: Sequential): string {
  const parts: string[] = [];
  for (const layer of model.layers) {
    const activation = hasActivationModule(layer)
      ? torchActivation[(layer as Dense | Conv2d).activation]
      : undefined;
    if (layer instanceof Dense) {
      parts.push(`nn.Linear(${layer.inFeatures}, ${layer.outFeatures}, bias=${layer.b ? 'True' : 'False'})`);
    } else if (layer instanceof Conv2d) {
      const { stride, padding, dilation, groups } = layer.params;
      parts.push(
        `nn.Conv2d(${layer.inChannels}, ${layer.outChannels}, (${layer.kernel.join(', ')}), stride=(${stride.join(', ')}), ` +
          `padding=(${padding.join(', ')}), dilation=(${dilation.join(', ')}), groups=${groups}, bias=${layer.b ? 'True' : 'False'})`,
      );
    } else {
      parts.push(torchLayerSource(layer));
    }
    if (activation) parts.push(activation);
  }
  return `nn.Sequential(${parts.join(', ')})`;
}

function torchLayerSource(layer: Module): string {
  const pair = (v: unknown): string => (Array.isArray(v) ? `(${v.join(', ')})` : String(v));
  if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
    const { options } = layer;
    const args = [pair(layer.kernel)];
    if (options.stride !== undefined) args.push(`stride=${pair(options.stride)}`);
    if (options.padding !== undefined) args.push(`padding=${pair(options.padding)}`);
    if (options.ceilMode) args.push('ceil_mode=True');
    if (options.countIncludePad === false) args.push('count_include_pad=False');
    return `nn.${layer instanceof MaxPool2d ? 'MaxPool2d' : 'AvgPool2d'}(${args.join(', ')})`;
  }
  if (layer instanceof Flatten) return 'nn.Flatten()';
  throw new Error(`${layer.name} (${layer.constructor.name}) has no PyTorch twin in torchSequentialSource`);
}
