// One run of a distillation experiment: a mentor, or a student of one arm, with everything the
// trainer needs to rebuild it (task, architecture, optimizer, transfer set, the loss written out).
// Trainers take it through distillationRunConfig, which checks it against its schema first.
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunConfigSchema } from '../../trainers/trainer.ts';
import type { DistillationSpec, DistillationTask, OptimizerSpec } from './config.ts';

export const distillationKindName = 'distillation';

export interface RunArm {
  name: string;
  distillation?: DistillationSpec;
  sequenceTargets?: 'beam' | 'closest-beam';
  /** The loss the student minimises, with its numbers (lossFormula.ts). */
  formula: string;
}

export interface DistillationRunConfig {
  role: 'mentor' | 'student';
  task: DistillationTask;
  /** The run's architecture after its schema's defaults (checked again by the trainer). */
  model: Record<string, unknown>;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Image students: which part of the training split they learn from. */
  transfer: { fraction: number; omitClass?: number; subsetSeed: number } | null;
  /** Students: their arm; null for the mentor. */
  arm: RunArm | null;
  /**
   * Students that learn from the mentor: its file when given by path (else the run's `mentor`
   * input), and the architecture the definition declared for it, which the file must have.
   */
  mentor: { artifact?: string; model?: Record<string, unknown> } | null;
  mentorLogits: 'cached' | 'live';
  /** Image students without one class: the bias-shift grid. */
  biasShift: { min: number; max: number; step: number } | null;
  /** Translation: beam size and how many validation sentences each evaluation decodes. */
  decoding: { beamSize: number; evalSentences: number } | null;
}

export const distillationRunConfig: RunConfigSchema<DistillationRunConfig> = {
  kind: distillationKindName,
  parse: (value) =>
    parseWithSchema<DistillationRunConfig>(
      'runs/distillation.schema.json',
      value,
      'the distillation run config',
    ),
};
