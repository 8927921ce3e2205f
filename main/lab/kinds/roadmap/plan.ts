// Planning a roadmap experiment: every teacher × the experiment's seeds (the same seeds for every
// teacher, so teachers compare on paired runs: the same initialisation and the same validation
// sets), and, with evaluation.transfer, every skill alone from scratch on the same seeds — what
// each skill costs without the roadmap, against which the report measures transfer.
import type { PlanStep, RunOutcome, RunPlan } from '../../runPlan.ts';
import { deriveSeed } from '../../seeds.ts';
import { roadmapSelection, type RoadmapConfig, type SkillSpec } from './config.ts';
import { roadmapOrder } from './roadmapGraph.ts';
import type { RoadmapRunConfig } from './runConfig.ts';
import { teacherLabel, type TeacherSpec } from './teachers/createTeacher.ts';

export interface TeacherGroup {
  index: number;
  spec: TeacherSpec;
  label: string;
  runs: RunPlan<RoadmapRunConfig>[];
}

export interface AloneGroup {
  skill: string;
  runs: RunPlan<RoadmapRunConfig>[];
}

export function roadmapSeeds(config: RoadmapConfig): number[] {
  return Array.from({ length: config.seeds }, (_, i) => deriveSeed(config.seed, 'roadmap', i));
}

/** The roadmap's skills in roadmap order: every skill after its prerequisites, else file order. */
export function orderedSkills(config: RoadmapConfig): SkillSpec[] {
  const { skills } = config.roadmap;
  return roadmapOrder(skills).map((i) => skills[i]);
}

/** Teacher labels, made distinct (`manual#2`) where two teachers would read the same. */
export function teacherLabels(teachers: readonly TeacherSpec[]): string[] {
  const labels = teachers.map(teacherLabel);
  return labels.map((label, i) =>
    labels.filter((l) => l === label).length > 1 ? `${label}#${i + 1}` : label,
  );
}

function learnerOf(config: RoadmapConfig): Pick<RunPlan<RoadmapRunConfig>, 'inputs'> & {
  learner: RoadmapRunConfig['learner'];
} {
  const { optimizer } = config.learner;
  // A learned optimizer given by artifact id becomes the run's input; a path stays in the config.
  if (optimizer.name === 'learned' && typeof optimizer.artifact === 'number') {
    const { artifact, ...rest } = optimizer;
    return {
      learner: { ...config.learner, optimizer: rest },
      inputs: { optimizer: { artifactId: artifact } },
    };
  }
  return { learner: config.learner };
}

function runConfig(
  config: RoadmapConfig,
  skills: SkillSpec[],
  teacher: RoadmapRunConfig['teacher'],
  untilMastered: boolean,
): RoadmapRunConfig {
  const { roadmap, budget, evaluation } = config;
  return {
    roadmap: { name: roadmap.name, version: roadmap.version ?? null, hash: roadmap.hash ?? null },
    skills,
    learner: learnerOf(config).learner,
    teacher,
    budget: { ...budget, untilMastered: budget.untilMastered || untilMastered },
    evaluation: { examples: evaluation.examples, teacherLogEvery: evaluation.teacherLogEvery },
    validationSeed: deriveSeed(config.seed, 'validation', 0),
  };
}

function loop(config: RoadmapConfig): RunPlan['loop'] {
  return {
    steps: config.budget.steps,
    evalEvery: config.evaluation.every,
    checkpointEvery: config.evaluation.checkpointEvery,
    divergenceFactor: null,
  };
}

export function trainerName(config: RoadmapConfig): string {
  return `roadmap-${config.learner.model.name}`;
}

export function teacherGroups(config: RoadmapConfig): TeacherGroup[] {
  const skills = orderedSkills(config);
  const labels = teacherLabels(config.teachers);
  const { inputs } = learnerOf(config);
  return config.teachers.map((spec, index) => ({
    index,
    spec,
    label: labels[index],
    runs: roadmapSeeds(config).map((seed) => ({
      key: `teacher/${index}-${spec.name}/seed=${seed}`,
      phase: 'teachers',
      label: labels[index],
      trainer: trainerName(config),
      config: runConfig(config, skills, { ...spec, label: labels[index] }, false),
      loop: loop(config),
      selection: roadmapSelection,
      seed,
      ...(inputs ? { inputs } : {}),
    })),
  }));
}

/** With evaluation.transfer: each skill alone from scratch (no prerequisites), until mastered. */
export function aloneGroups(config: RoadmapConfig): AloneGroup[] {
  if (!config.evaluation.transfer) return [];
  const { inputs } = learnerOf(config);
  return orderedSkills(config).map((skill) => ({
    skill: skill.id,
    runs: roadmapSeeds(config).map((seed) => ({
      key: `alone/${skill.id}/seed=${seed}`,
      phase: 'alone',
      label: `${skill.id} alone`,
      trainer: trainerName(config),
      config: runConfig(
        config,
        [{ ...skill, prerequisites: [] }],
        { name: 'single', skill: skill.id, label: `${skill.id} alone` },
        true,
      ),
      loop: loop(config),
      selection: roadmapSelection,
      seed,
      ...(inputs ? { inputs } : {}),
    })),
  }));
}

export function planRoadmap(
  config: RoadmapConfig,
  _finished: ReadonlyMap<string, RunOutcome>,
): PlanStep<RoadmapRunConfig> {
  const runs = [...teacherGroups(config), ...aloneGroups(config)].flatMap((group) => group.runs);
  return { runs, complete: true };
}
