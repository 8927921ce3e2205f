// The contract between the lab and whatever trains one run. The lab owns the loop (steps,
// evaluation, checkpoints, divergence, IPC); a Trainer owns the model, data and optimizer.
// Engine-backed trainers (quadratics, MNIST MLP on engine/nn + engine/optim) implement this and
// are listed in builtinTrainerModules (registry.ts); tests and users can load their own modules.
import type { AnySchemaObject } from 'ajv';

/** One run's resolved settings, as stored with the run (reproducible from this alone + seed). */
export interface TrainerRunConfig {
  /** The problem's options after schema defaults, including its `name`. */
  problem: { name: string } & Record<string, unknown>;
  /** The optimizer and its hyperparameters after defaults, with the learning rate chosen. */
  optimizer: { name: string; lr: number } & Record<string, unknown>;
  steps: number;
  evalEvery: number;
  checkpointEvery: number;
  /**
   * A finite training or validation loss above divergenceFactor × max(1, |first validation
   * loss|) ends the run as diverged. null, or absent (runs stored before it existed): only a
   * non-finite loss does.
   */
  divergenceFactor?: number | null;
}

/** Where the numbers come from: stored with every run. */
export interface TrainerEnvironment {
  engineVersion: string;
  backend: string;
  device: string;
}

/** Training metrics of one step; `loss` is required and watched for divergence. */
export type StepMetrics = { loss: number } & Record<string, number>;

/** Validation metrics; `val_loss` is what learning rates are chosen on. */
export type EvaluationMetrics = { val_loss: number } & Record<string, number>;

export interface Trainer {
  /** Builds model, data and optimizer state for `config`, deterministically from `seed`. */
  init(config: TrainerRunConfig, seed: number): void | Promise<void>;
  /** One optimisation step. */
  step(): StepMetrics | Promise<StepMetrics>;
  evaluate(): EvaluationMetrics | Promise<EvaluationMetrics>;
  /**
   * Everything needed to continue exactly where it is — parameters, optimizer state, data
   * position, RNG state — as opaque bytes. restore(checkpoint()) must make the following steps
   * bit-identical to an uninterrupted run.
   */
  checkpoint(): Uint8Array | Promise<Uint8Array>;
  /** Called after init() with the same config and seed. */
  restore(state: Uint8Array): void | Promise<void>;
  environment(): TrainerEnvironment;
  dispose?(): void;
}

export interface TrainerDefinition {
  /** The problem name definitions use (`problem: { name: … }`). */
  name: string;
  description: string;
  /**
   * JSON Schema of the problem's options, for trainers whose problem has no schema file in
   * curricula/schema/problems/. Strict: additionalProperties false, a `name` const.
   */
  problemSchema?: AnySchemaObject;
  create(): Trainer;
}

/** What a trainer module exports. */
export interface TrainerModule {
  trainers: TrainerDefinition[];
}
