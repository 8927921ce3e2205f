// Layers, initialisers, losses and metrics: everything a model definition imports.
export { activations, applyActivation, type Activation } from './activation.ts';
export {
  CoordinatewiseLSTM,
  type CoordinatewiseLSTMOptions,
  type CoordinatewiseStep,
} from './coordinatewise.ts';
export { Conv2d, type Conv2dLayerOptions } from './conv.ts';
export { ConvNet, convNetShapes, type ConvNetLayerSpec, type ConvNetOptions } from './convNet.ts';
export { Dense, type DenseOptions } from './dense.ts';
export {
  distillationLoss,
  softTargetLoss,
  type DistillationLoss,
  type DistillationLossOptions,
  type SoftTargetDivergence,
  type SoftTargetOptions,
} from './distillation.ts';
export { Dropout, type DropoutOptions } from './dropout.ts';
export { Embedding, type EmbeddingOptions } from './embedding.ts';
export { preprocessGradient } from './gradientPreprocessing.ts';
export { GRU, GRUCell, type GRUResult } from './gru.ts';
export * as init from './init.ts';
export type { FloatDType, Initializer } from './init.ts';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mse,
  type Reduction,
} from './losses.ts';
export { LSTM, LSTMCell, type LSTMOptions, type LSTMResult, type LSTMState } from './lstm.ts';
export { accuracy } from './metrics.ts';
export { Module, type ModuleOptions, type ParamBinding } from './module.ts';
export type { RecurrentOptions, SequenceInput } from './recurrent.ts';
export { AvgPool2d, Flatten, MaxPool2d, type PoolLayerOptions } from './pooling.ts';
export { MLP, Sequential, type Layer, type MLPOptions } from './sequential.ts';
