// Teachers by the name a roadmap experiment gives them (`teachers:` in its YAML), with the
// options its schema fills in (curricula/schema/roadmap.schema.json).
import { exp3sTeacher, type Exp3sOptions } from './exp3sTeacher.ts';
import {
  lastTaskOnlyTeacher,
  sequentialTeacher,
  singleSkillTeacher,
  uniformTeacher,
} from './fixedTeachers.ts';
import { manualTeacher, type ManualOptions } from './manualTeacher.ts';
import type { Teacher, TeacherSetting } from './teacher.ts';
import {
  tsclNaiveTeacher,
  tsclOnlineTeacher,
  tsclSamplingTeacher,
  tsclWindowTeacher,
  type TsclOptions,
} from './tsclTeachers.ts';

export const tsclTeacherNames = ['tscl-online', 'tscl-naive', 'tscl-window', 'tscl-sampling'] as const;
export type TsclTeacherName = (typeof tsclTeacherNames)[number];

/** A teacher as a definition names it; `label` tells two of the same name apart in reports. */
export type TeacherSpec = { label?: string } & (
  | { name: 'uniform' }
  | ({ name: 'manual' } & ManualOptions)
  | { name: 'last-task-only' }
  | { name: 'sequential'; stepsPerSkill: number }
  | { name: 'single'; skill: string }
  | ({ name: TsclTeacherName } & TsclOptions)
  | ({ name: 'exp3s' } & Exp3sOptions)
);

export type TeacherName = TeacherSpec['name'];

export function createTeacher(spec: TeacherSpec, setting: TeacherSetting): Teacher {
  switch (spec.name) {
    case 'uniform':
      return uniformTeacher(setting);
    case 'manual':
      return manualTeacher(setting, spec);
    case 'last-task-only':
      return lastTaskOnlyTeacher(setting);
    case 'sequential':
      return sequentialTeacher(setting, spec.stepsPerSkill);
    case 'single': {
      const index = setting.skills.findIndex((s) => s.id === spec.skill);
      if (index < 0) throw new Error(`teacher single: there is no skill "${spec.skill}" in the roadmap`);
      return singleSkillTeacher(setting, index);
    }
    case 'tscl-online':
      return tsclOnlineTeacher(setting, spec);
    case 'tscl-naive':
      return tsclNaiveTeacher(setting, spec);
    case 'tscl-window':
      return tsclWindowTeacher(setting, spec);
    case 'tscl-sampling':
      return tsclSamplingTeacher(setting, spec);
    case 'exp3s':
      return exp3sTeacher(setting, spec);
  }
}

/** How a teacher is named in tables: its label, or its name with what sets it apart. */
export function teacherLabel(spec: TeacherSpec): string {
  if (spec.label) return spec.label;
  switch (spec.name) {
    case 'manual':
      return `manual (review ${spec.review}, final uniform ${spec.finalUniform})`;
    case 'sequential':
      return `sequential (${spec.stepsPerSkill} steps per skill)`;
    case 'single':
      return `${spec.skill} alone`;
    case 'tscl-online':
    case 'tscl-naive':
    case 'tscl-window':
    case 'tscl-sampling':
      return `${spec.name}${spec.slope === 'absolute' ? ' |slope|' : ''}`;
    case 'exp3s':
      return `exp3s (${spec.signal})`;
    default:
      return spec.name;
  }
}
