// The roadmap experiment kind: a learner climbs a roadmap of skills under each teacher, over
// seeds — uniform, manual with mastery gates, last-task-only, sequential, TSCL's four teachers
// and Exp3.S — with mastery, the teachers' choices, forgetting and transfer reported. Creating an
// experiment stores its roadmap as a version of the roadmap's name, and every run records it.
import type { Database } from 'better-sqlite3';
import { saveRoadmapVersion } from '../../../store/roadmapStore.ts';
import type { ExperimentKind } from '../experimentKind.ts';
import { checkRoadmapExperiment } from './check.ts';
import {
  parseRoadmapConfig,
  roadmapKindName,
  roadmapSchemaId,
  roadmapSelection,
  type RoadmapConfig,
} from './config.ts';
import { planRoadmap } from './plan.ts';
import { presentRoadmap } from './present.ts';
import { parseRoadmapReport, summariseRoadmap, type RoadmapReport } from './report.ts';
import { presentRoadmapRun } from './runView.ts';

/** Stores the experiment's roadmap and records which version of its name it is. */
export function storeExperimentRoadmap(config: RoadmapConfig, db: Database): RoadmapConfig {
  const { version: _version, hash: _hash, ...roadmap } = config.roadmap;
  const stored = saveRoadmapVersion(db, roadmap);
  return { ...config, roadmap: { ...roadmap, version: stored.version, hash: stored.hash } };
}

export const roadmapKind: ExperimentKind<RoadmapConfig, RoadmapReport> = {
  name: roadmapKindName,
  description:
    'Skill-roadmap curricula: a learner climbs a DAG of skills under each teacher (uniform, manual, last-task-only, TSCL, Exp3.S) over seeds; steps to mastery, forgetting and transfer.',
  schemaId: roadmapSchemaId,
  selection: roadmapSelection,
  parseConfig: parseRoadmapConfig,
  check: checkRoadmapExperiment,
  plan: planRoadmap,
  prepareStore: storeExperimentRoadmap,
  summarise: summariseRoadmap,
  parseReport: parseRoadmapReport,
  present: presentRoadmap,
  presentRun: presentRoadmapRun,
};
