// The contract between the lab and whatever trains one run. The lab owns the loop (steps,
// evaluation, checkpoints, divergence, IPC); a Trainer owns the model, data and optimizer. Each
// trainer serves one experiment kind and takes that kind's run config, which it validates
// before use (RunConfigSchema): a stored config that no longer fits is a clear error, not a
// crash in the middle of a run. Trainers are listed by module (registry.ts).
import type { AnySchemaObject } from 'ajv';
import type { ResolvedArtifact, RunLoop } from '../runPlan.ts';
import type { GraphFunction } from '../views/types.ts';

/** Where the numbers come from: stored with every run. */
export interface TrainerEnvironment {
  engineVersion: string;
  backend: string;
  device: string;
  /** Something the researcher should know about where the run computes (logged as a warning). */
  warning?: string;
}

/** Training metrics of one step; `loss` is required and watched for divergence. */
export type StepMetrics = { loss: number } & Record<string, number>;

/** Evaluation metrics; they must include the kind's selection metric (e.g. `val_loss`). */
export type EvaluationMetrics = Record<string, number>;

/** What a trainer is given besides its config and seed. */
export interface TrainerContext {
  loop: RunLoop;
  /** The artifacts the run reads, by the name the kind planned them under. */
  inputs: Readonly<Record<string, ResolvedArtifact>>;
}

/** A file a run leaves for later runs and other tools: a trained model, a learned optimizer. */
export interface TrainerArtifact {
  /** Unique within the run: `model`, `optimizer`, … */
  name: string;
  format: 'safetensors';
  bytes: Uint8Array;
  /** What a reader needs besides the tensors: the architecture, the config it was trained with. */
  meta: Record<string, unknown>;
}

export interface Trainer<Config = unknown> {
  /** Builds model, data and optimizer state for `config`, deterministically from `seed`. */
  init(config: Config, seed: number, context: TrainerContext): void | Promise<void>;
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
  /**
   * Early stopping: asked after every evaluation that did not diverge. A reason ends the run
   * there as completed (the reason is stored with it); null continues. A meta-training run stops
   * once its validation loss has not improved for a while.
   */
  stopReason?(): string | null;
  /**
   * What the run leaves when it ends, completed or diverged (then the last good state): each is
   * written next to the run and recorded in the store, where other runs can read it.
   */
  artifacts?(): TrainerArtifact[] | Promise<TrainerArtifact[]>;
  /** The compiled functions it runs, as the engine runs them (the app's graph view). */
  describe?(): GraphFunction[];
  dispose?(): void;
}

/** A kind's run config: which kind it belongs to, and the check that turns stored JSON into it. */
export interface RunConfigSchema<Config> {
  kind: string;
  /** Checks a run config and returns it typed; throws naming every mismatch. */
  parse(value: unknown): Config;
}

export interface TrainerDefinition<Config = unknown> {
  /** The name definitions use (`problem: { name: … }` in an optimizer comparison). */
  name: string;
  description: string;
  /** The run config this trainer takes: its kind's, validated before init. */
  runConfig: RunConfigSchema<Config>;
  /**
   * JSON Schema of the problem's options, for trainers whose problem has no schema file in
   * curricula/schema/problems/. Strict: additionalProperties false, a `name` const.
   */
  problemSchema?: AnySchemaObject;
  create(): Trainer<Config>;
}

/** What a trainer module exports. */
export interface TrainerModule {
  trainers: TrainerDefinition[];
}
