// A trained mentor or student as an artifact: its parameters as safetensors under stable names
// (`model.…`, whatever role the network had when it trained) and its architecture, kept both in
// the store's metadata and in the file's own header — so a file given by path describes itself.
// A model read as a mentor is checked against the architecture the definition declares and
// against the student's classes; a mismatch names the key to change.
import { readFileSync } from 'node:fs';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import type { Module } from '../../../../engine/nn/module.ts';
import type { TrainerArtifact } from '../../trainers/trainer.ts';
import type { Activation, MlpModel, ModelSpec, Seq2SeqModel } from './config.ts';

export interface MlpArchitecture {
  type: 'mlp';
  inputs: number;
  hidden: number[];
  classes: number;
  activation: Activation;
}

export interface Seq2SeqArchitecture {
  type: 'seq2seq';
  cell: Seq2SeqModel['cell'];
  embedding: number;
  hidden: number;
  layers: number;
  attention: Seq2SeqModel['attention'];
  sourceVocabulary: number;
  targetVocabulary: number;
}

export type ModelArchitecture = MlpArchitecture | Seq2SeqArchitecture;

/** The prefix every parameter has in a model file. */
const filePrefix = 'model';
const formatTag = 'curriculum-lab/distillation-model';

export function describeArchitecture(a: ModelArchitecture): string {
  return a.type === 'mlp'
    ? `an MLP ${[a.inputs, ...a.hidden, a.classes].join('-')} (${a.activation})`
    : `a ${a.cell} encoder–decoder ${a.layers}×${a.hidden}, embedding ${a.embedding}, ${a.attention} attention, vocabularies ${a.sourceVocabulary}→${a.targetVocabulary}`;
}

/** Output classes: digit classes, or the target vocabulary of a translation model. */
export function outputClasses(a: ModelArchitecture): number {
  return a.type === 'mlp' ? a.classes : a.targetVocabulary;
}

/** The keys of a declared model that the architecture contradicts, with what it has instead. */
export function architectureMismatches(
  found: ModelArchitecture,
  declared: ModelSpec,
): { key: string; declared: unknown; found: unknown }[] {
  const keys: string[] =
    found.type === 'mlp' ? ['hidden', 'activation'] : ['cell', 'embedding', 'hidden', 'layers', 'attention'];
  const declaredRecord = declared as unknown as Record<string, unknown>;
  const foundRecord = found as unknown as Record<string, unknown>;
  if ((found.type === 'mlp') !== 'activation' in declared) {
    return [
      { key: 'model', declared: 'cell' in declared ? 'a translation model' : 'an MLP', found: found.type },
    ];
  }
  return keys
    .filter((key) => JSON.stringify(declaredRecord[key]) !== JSON.stringify(foundRecord[key]))
    .map((key) => ({ key, declared: declaredRecord[key], found: foundRecord[key] }));
}

/** The model as an artifact (`model`), parameters renamed from the module's prefix to `model`. */
export function modelArtifact(
  module: Module,
  architecture: ModelArchitecture,
  meta: Record<string, unknown>,
): TrainerArtifact {
  const tensors: Record<string, NDArray> = {};
  for (const [name, value] of Object.entries(module.stateDict())) {
    tensors[`${filePrefix}${name.slice(module.name.length)}`] = value;
  }
  const bytes = encodeSafetensors(tensors, { format: formatTag, architecture: JSON.stringify(architecture) });
  return { name: 'model', format: 'safetensors', bytes, meta: { ...meta, architecture } };
}

export interface LoadedModel {
  architecture: ModelArchitecture;
  /** Parameters under the file's names (`model.…`). */
  tensors: Record<string, NDArray>;
  path: string;
}

function isArchitecture(value: unknown): value is ModelArchitecture {
  const v = value as Partial<ModelArchitecture> | null;
  return typeof v === 'object' && v !== null && (v.type === 'mlp' || v.type === 'seq2seq');
}

/** Reads a model file; `meta` (the store's record) wins over the file header where both exist. */
export function readModelFile(path: string, meta?: Record<string, unknown>): LoadedModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`mentor model ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  let architecture: unknown = meta?.architecture;
  if (!isArchitecture(architecture) && metadata.architecture) {
    try {
      architecture = JSON.parse(metadata.architecture);
    } catch {
      architecture = undefined;
    }
  }
  if (!isArchitecture(architecture)) {
    throw new Error(
      `${path} is not a distillation model: it records no architecture (a mentor must be the model artifact ` +
        'of a distillation run, a mentor or a student)',
    );
  }
  return { architecture, tensors, path };
}

/** Loads a model file's parameters into `module` (names mapped from `model.…` to the module's prefix). */
export function loadModelInto(module: Module, loaded: LoadedModel): void {
  const renamed: Record<string, NDArray> = {};
  for (const [name, value] of Object.entries(loaded.tensors)) {
    if (!name.startsWith(`${filePrefix}.`)) {
      throw new Error(`${loaded.path}: tensor "${name}" is not a model parameter (expected ${filePrefix}.…)`);
    }
    renamed[`${module.name}${name.slice(filePrefix.length)}`] = value;
  }
  try {
    module.loadStateDict(renamed);
  } catch (error) {
    throw new Error(
      `${loaded.path} does not fit ${describeArchitecture(loaded.architecture)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Throws when the mentor file contradicts the architecture declared at `experiment.mentor.model`
 * or has other output classes than the student.
 */
export function checkMentor(
  loaded: LoadedModel,
  declared: ModelSpec | undefined,
  studentClasses: number,
  source: string,
): void {
  const found = loaded.architecture;
  if (declared) {
    const wrong = architectureMismatches(found, declared);
    if (wrong.length > 0) {
      const details = wrong
        .map(
          (w) =>
            `experiment.mentor.model.${w.key} is ${JSON.stringify(w.declared)} but the file has ${JSON.stringify(w.found)}`,
        )
        .join('; ');
      throw new Error(
        `the mentor (${source}) is ${describeArchitecture(found)}, not the declared one: ${details}. ` +
          'Declare the architecture the artifact has, or give another artifact (experiment.mentor.artifact).',
      );
    }
  }
  const classes = outputClasses(found);
  if (classes !== studentClasses) {
    throw new Error(
      `the student has ${studentClasses} output classes but the mentor (${source}) has ${classes}: ` +
        'a student can only learn from a mentor of the same task (experiment.mentor.artifact)',
    );
  }
}

export function mlpArchitecture(model: MlpModel, inputs: number, classes: number): MlpArchitecture {
  return { type: 'mlp', inputs, hidden: [...model.hidden], classes, activation: model.activation };
}
