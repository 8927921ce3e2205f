// The roadmap experiment's config after schema validation (defaults filled in): the roadmap
// (skills with their tasks, prerequisites and mastery criteria), the learner, the teachers, the
// budget, the evaluation and the seeds.
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { SelectionMetric } from '../../runPlan.ts';
import type { MasteryCriterion } from './mastery.ts';
import type { TeacherSpec } from './teachers/createTeacher.ts';

export const roadmapKindName = 'roadmap';
export const roadmapSchemaId = 'roadmap.schema.json';
export const roadmapFileSchemaId = 'roadmap/roadmap.schema.json';

/** Teachers are compared on the mean validation accuracy over skills. */
export const roadmapSelection: SelectionMetric = { name: 'val_accuracy', goal: 'max' };

export type TaskSpec = { name: string } & Record<string, unknown>;

export interface SkillSpec {
  id: string;
  title?: string;
  task?: TaskSpec;
  prerequisites: string[];
  mastery: { accuracy?: number; window?: number; inARow?: number };
  position?: { x: number; y: number };
}

export interface RoadmapSpec {
  name: string;
  description?: string;
  /** Set when the roadmap was stored (roadmapStore.ts). */
  version?: number;
  hash?: string;
  skills: SkillSpec[];
}

export type ModelSpec =
  | { name: 'sequence'; cell: 'lstm' | 'gru'; hidden: number; embedding: number; layers: number }
  | { name: 'mlp'; hidden: number[]; activation: 'relu' | 'tanh' | 'sigmoid'; trainSize: number }
  | { name: 'scripted'; rate: number; decay: number };

export type OptimizerSpec = {
  name: 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adam' | 'learned';
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  artifact?: number | string;
};

export interface LearnerSpec {
  model: ModelSpec;
  optimizer: OptimizerSpec;
  batchSize: number;
  clipNorm?: number;
  replay?: { capacity: number; batch: number };
  ewc?: { lambda: number; samples: number };
  progressive?: { hidden?: number[] };
}

export interface BudgetSpec {
  steps: number;
  examples?: number;
  wallSeconds?: number;
  untilValAccuracy?: number;
  untilMastered: boolean;
}

export interface EvaluationSpec {
  every: number;
  examples: number;
  target: number;
  teacherLogEvery: number;
  checkpointEvery: number;
  transfer: boolean;
}

export interface RoadmapConfig {
  name: string;
  description?: string;
  seed: number;
  roadmap: RoadmapSpec;
  learner: LearnerSpec;
  teachers: TeacherSpec[];
  budget: BudgetSpec;
  evaluation: EvaluationSpec;
  seeds: number;
}

/** A roadmap section (or roadmap file) as the typed roadmap, defaults filled in. */
export function parseRoadmap(value: unknown, what = 'the roadmap'): RoadmapSpec {
  return parseWithSchema<RoadmapSpec>(roadmapFileSchemaId, value, what);
}

/**
 * The `experiment:` section as stored (or just validated), typed; defaults filled in. Its
 * `roadmap` is checked (and its defaults filled in) by the kind's check(), which reports each
 * problem at its line: a schema error here would have no position.
 */
export function parseRoadmapConfig(value: unknown): RoadmapConfig {
  return parseWithSchema<RoadmapConfig>(roadmapSchemaId, value, 'the roadmap experiment config');
}

/** The criterion of a skill whose mastery keys passed check(): k in a row, or accuracy over a window. */
export function masteryCriterion(skill: SkillSpec): MasteryCriterion {
  const { accuracy, window, inARow } = skill.mastery;
  if (inARow !== undefined) return { inARow };
  return { accuracy: accuracy ?? 0.99, window: window ?? 100 };
}
