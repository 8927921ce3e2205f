// One run of a roadmap experiment: one teacher, one learner, one seed, on exactly one version of
// the roadmap. `roadmap` names that version (name, version, hash — version and hash are null
// where the experiment was never stored, as in tests) and `skills` are its skills in roadmap
// order (every skill after its prerequisites), the order stages and R's rows are counted in.
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunConfigSchema } from '../../trainers/trainer.ts';
import { roadmapKindName, type LearnerSpec, type SkillSpec } from './config.ts';
import type { TeacherSpec } from './teachers/createTeacher.ts';

export interface RoadmapRunConfig {
  roadmap: { name: string; version: number | null; hash: string | null };
  skills: SkillSpec[];
  learner: LearnerSpec;
  teacher: TeacherSpec & { label: string };
  budget: {
    steps: number;
    examples?: number;
    wallSeconds?: number;
    untilValAccuracy?: number;
    untilMastered: boolean;
  };
  evaluation: { examples: number; teacherLogEvery: number };
  /** Seed of every skill's validation set: the same for every run of the experiment. */
  validationSeed: number;
}

export const roadmapRunConfig: RunConfigSchema<RoadmapRunConfig> = {
  kind: roadmapKindName,
  parse: (value) =>
    parseWithSchema<RoadmapRunConfig>('runs/roadmap.schema.json', value, 'the roadmap run config'),
};
