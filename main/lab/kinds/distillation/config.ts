// The distillation config after schema validation (defaults filled in): the task, the mentor
// (trained here or read from an artifact), the students (one architecture, optionally a sweep of
// sizes), the arms (what each student learns from), and what the report needs (bias shift for an
// omitted class, decoding for translation).
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunLoop, SelectionMetric } from '../../runPlan.ts';

export interface MnistTask {
  name: 'mnist';
  trainSize: number;
  validationSize: number;
  testSize: number;
  splitSeed: number;
}

export interface IdxTask {
  name: 'idx';
  folder: string;
  validationSize: number;
  splitSeed: number;
}

export interface TranslationTask {
  name: 'toy-translation';
  vocabulary: number;
  minLength: number;
  maxLength: number;
  trainSize: number;
  validationSize: number;
  testSize: number;
  dataSeed: number;
}

export type ImageTask = MnistTask | IdxTask;
export type DistillationTask = ImageTask | TranslationTask;

export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'softplus';

/** distillation/mlp.schema.json after defaults. */
export interface MlpModel {
  hidden: number[];
  activation: Activation;
  inputDropout: number;
  dropout: number;
}

/** distillation/seq2seq.schema.json after defaults. */
export interface Seq2SeqModel {
  cell: 'gru' | 'lstm';
  embedding: number;
  hidden: number;
  layers: number;
  attention: 'dot' | 'general';
}

export type ModelSpec = MlpModel | Seq2SeqModel;

export interface OptimizerSpec {
  name: 'sgd' | 'momentum' | 'nesterov' | 'adam';
  lr: number;
  momentum?: number;
  weightDecay: number;
}

/** The soft-target loss of an arm (schema $defs/distillation after defaults). */
export interface DistillationSpec {
  temperature: number;
  alpha: number;
  squaredTemperature: boolean;
  softLoss: 'kl' | 'cross-entropy';
  reduction: 'mean' | 'sum';
}

export interface ArmSpec {
  name: string;
  distillation?: DistillationSpec;
  sequenceTargets?: 'beam' | 'closest-beam';
}

export interface DistillationConfig {
  name: string;
  description?: string;
  seed: number;
  task: DistillationTask;
  transfer: { fraction: number; omitClass?: number };
  mentor: {
    /** Unchecked until check() validates it against the task's model schema. */
    model?: Record<string, unknown>;
    artifact?: number | string;
    training?: RunLoop;
    batchSize: number;
    optimizer: OptimizerSpec;
  };
  student: {
    model: Record<string, unknown>;
    sizes?: number[][];
    training: RunLoop;
    batchSize: number;
    optimizer: OptimizerSpec;
    seeds: number;
    mentorLogits: 'cached' | 'live';
  };
  arms: ArmSpec[];
  biasShift: { min: number; max: number; step: number };
  decoding: { beamSize: number; evalSentences: number };
}

/** Every run is watched on its validation loss (cross-entropy on the hard labels / references). */
export const distillationSelection: SelectionMetric = { name: 'val_loss', goal: 'min' };

export const distillationSchemaId = 'distillation.schema.json';

export function parseDistillationConfig(value: unknown): DistillationConfig {
  return parseWithSchema<DistillationConfig>(
    distillationSchemaId,
    value,
    'the distillation experiment config',
  );
}

export function isTranslationTask(task: DistillationTask): task is TranslationTask {
  return task.name === 'toy-translation';
}

/** The schema a task's models are checked against. */
export function modelSchemaId(task: DistillationTask): string {
  return isTranslationTask(task) ? 'distillation/seq2seq.schema.json' : 'distillation/mlp.schema.json';
}

/** A model spec (already checked by the kind) with its schema's defaults filled in. */
export function parseModel(task: DistillationTask, model: unknown, what: string): ModelSpec {
  return parseWithSchema<ModelSpec>(modelSchemaId(task), structuredClone(model), what);
}

/** Whether an arm needs the mentor (its soft targets or its translations). */
export function armReadsMentor(arm: ArmSpec): boolean {
  return arm.distillation !== undefined || arm.sequenceTargets !== undefined;
}

/** The image classes of a task: 10 for MNIST and Fashion-MNIST. */
export const imageClasses = 10;
export const imageInputs = 28 * 28;

/** `784-64-64-10` */
export function mlpLabel(hidden: readonly number[]): string {
  return [imageInputs, ...hidden, imageClasses].join('-');
}

/** `lstm 1×128, emb 32` */
export function seq2seqLabel(model: Seq2SeqModel): string {
  return `${model.cell} ${model.layers}×${model.hidden}, emb ${model.embedding}`;
}

/** The student models of the experiment: one per size (images), or the one model. */
export function studentModels(config: DistillationConfig): ModelSpec[] {
  const base = parseModel(config.task, config.student.model, 'experiment.student.model');
  if (isTranslationTask(config.task) || !config.student.sizes) return [base];
  return config.student.sizes.map((hidden) => ({ ...(base as MlpModel), hidden }));
}

export function modelLabel(model: ModelSpec): string {
  return 'cell' in model ? seq2seqLabel(model) : mlpLabel(model.hidden);
}
