// Roadmaps as the app's roadmap editor and `lab` use them: a roadmap file (YAML with the
// roadmap's name and skills, the same text as an experiment's `roadmap:` section) is validated
// with every problem at its line, and stored as a new version of its name only when it is sound;
// a stored version comes back with a layout of its DAG for the graph view.
import { stringify } from 'yaml';
import type { Database } from 'better-sqlite3';
import type { DefinitionProblem } from '../../definitions/definitionError.ts';
import { validationContext } from '../../definitions/validationContext.ts';
import { YamlSource } from '../../definitions/yamlSource.ts';
import {
  getRoadmapVersion,
  saveRoadmapVersion,
  type RoadmapVersionRecord,
  type StoredRoadmap,
} from '../../../store/roadmapStore.ts';
import { checkRoadmap } from './check.ts';
import type { RoadmapSpec } from './config.ts';
import { layoutRoadmap, type RoadmapLayout } from './roadmapLayout.ts';

export type RoadmapCheck = { ok: true; roadmap: RoadmapSpec } | { ok: false; problems: DefinitionProblem[] };

/** A roadmap file's text, validated: the roadmap with defaults filled in, or every problem located. */
export function checkRoadmapText(text: string, file: string): RoadmapCheck {
  const source = new YamlSource(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) return { ok: false, problems: syntax };
  const parsed = source.toValue();
  if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
  const context = validationContext(source);
  if (parsed.value === null || parsed.value === undefined) {
    return {
      ok: false,
      problems: [context.problem([], 'the file is empty: expected a roadmap with name and skills')],
    };
  }
  const problems = checkRoadmap(parsed.value, context, []);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, roadmap: parsed.value as RoadmapSpec };
}

export type RoadmapSave =
  { ok: true; version: RoadmapVersionRecord } | { ok: false; problems: DefinitionProblem[] };

/** Validates a roadmap file and stores it as a version of its name; nothing is stored when it has problems. */
export function saveRoadmapText(db: Database, text: string, file: string): RoadmapSave {
  const checked = checkRoadmapText(text, file);
  if (!checked.ok) return checked;
  return { ok: true, version: saveRoadmapVersion(db, checked.roadmap as StoredRoadmap, text) };
}

/** The YAML of a stored version: the text it was saved from, or its content written out. */
export function roadmapYaml(record: RoadmapVersionRecord): string {
  return record.text ?? stringify(record.roadmap);
}

export interface RoadmapView {
  record: RoadmapVersionRecord;
  yaml: string;
  layout: RoadmapLayout;
}

/** A stored version with its YAML and the layout of its DAG; undefined when there is no such version. */
export function roadmapView(db: Database, name: string, version?: number): RoadmapView | undefined {
  const record = getRoadmapVersion(db, name, version);
  if (!record) return undefined;
  const skills = record.roadmap.skills as { id: string; prerequisites?: string[] }[];
  return { record, yaml: roadmapYaml(record), layout: layoutRoadmap(skills) };
}
