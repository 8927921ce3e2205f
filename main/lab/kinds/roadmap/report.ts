// The roadmap report: for each teacher over its seeds, the steps to the target validation
// accuracy (all skills together and per skill), the steps to each skill's mastery, the final
// accuracies, the accuracy matrix R with ACC/BWT/FWT, the mean validation curve and the mean
// probability the teacher gave each skill over time; with evaluation.transfer, what each skill
// cost alone against what it cost after the skills before it. Steps are counted in learner steps
// (one batch each); a run that never got there counts in `reached` only, never in a mean.
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import { finalMetricName, type RunOutcome } from '../../runPlan.ts';
import { mean } from '../../statistics.ts';
import type { CurveReader } from '../experimentKind.ts';
import { meanCurve, storedInterval, type StoredInterval } from '../optimizerComparison/report.ts';
import type { RoadmapConfig } from './config.ts';
import { aloneGroups, orderedSkills, teacherGroups } from './plan.ts';

/** How many steps the runs of a group needed to reach something (null: a run that never did). */
export interface StepsSummary {
  perRun: (number | null)[];
  reached: number;
  /** Mean and 95 % interval over the runs that reached it; null when none did. */
  interval: StoredInterval | null;
}

export interface SkillOutcome {
  id: string;
  stepsToMastery: StepsSummary;
  stepsToTarget: StepsSummary;
  finalAccuracy: StoredInterval | null;
}

export interface TeacherOutcome {
  label: string;
  teacher: Record<string, unknown>;
  runs: number;
  stepsToTarget: StepsSummary;
  finalValAccuracy: StoredInterval | null;
  skills: SkillOutcome[];
  forgetting: { acc: StoredInterval | null; bwt: StoredInterval | null; fwt: StoredInterval | null };
  /** Mean over runs of R: rows by stage (roadmap order; null where no run's stage ended), then b and the final row. */
  r: { rows: ((number | null)[] | null)[]; initial: (number | null)[]; final: (number | null)[] } | null;
  /** Mean val_accuracy over the runs at the steps all of them evaluated, with the 95 % half-width. */
  curve: { steps: number[]; mean: number[]; halfWidth: (number | null)[] };
  /** Mean probability of each skill over the runs, at the logged steps (thinned). */
  probabilities: { steps: number[]; bySkill: (number | null)[][] };
}

export interface TransferOutcome {
  skill: string;
  /** Steps to mastery trained alone from scratch. */
  alone: StepsSummary;
  /** Steps spent in the skill's stage (from the previous skill's mastery to its own) under each staged teacher. */
  afterPrerequisites: { teacher: string; steps: StepsSummary }[];
}

export interface RoadmapReport {
  roadmap: { name: string; version: number | null; hash: string | null };
  skills: { id: string; title: string | null; prerequisites: string[] }[];
  target: number;
  budgetSteps: number;
  teachers: TeacherOutcome[];
  transfer: TransferOutcome[] | null;
}

/** Beyond this many skills the report leaves R out (it would need skills² curves per run). */
export const maxSkillsForR = 30;
const maxPoints = 200;

export function stepsSummary(perRun: (number | null)[]): StepsSummary {
  const reached = perRun.filter((s): s is number => s !== null);
  return { perRun, reached: reached.length, interval: reached.length > 0 ? storedInterval(reached) : null };
}

/** First step at which the curve is at or above `target`, or null. */
export function firstStepAtOrAbove(
  curve: { steps: number[]; values: (number | null)[] },
  target: number,
): number | null {
  const index = curve.values.findIndex((v) => v !== null && v >= target);
  return index < 0 ? null : curve.steps[index];
}

const lastValue = (curve: { values: (number | null)[] }): number | null => {
  for (let i = curve.values.length - 1; i >= 0; i--) if (curve.values[i] !== null) return curve.values[i];
  return null;
};

const meanOrNull = (values: (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : mean(known);
};

const intervalOf = (values: (number | null | undefined)[]): StoredInterval | null => {
  const known = values.filter((v): v is number => typeof v === 'number');
  return known.length === 0 ? null : storedInterval(known);
};

/** Mean of the teacher/p/<skill> curves over runs, at the steps the first run logged (thinned). */
function meanProbabilities(
  outcomes: readonly RunOutcome[],
  ids: readonly string[],
  readCurve: CurveReader,
): TeacherOutcome['probabilities'] {
  if (outcomes.length === 0) return { steps: [], bySkill: ids.map(() => []) };
  const curves = ids.map((id) => outcomes.map((o) => readCurve(o.runId, `teacher/p/${id}`)));
  const steps = curves[0]?.[0]?.steps ?? [];
  const stride = Math.max(1, Math.ceil(steps.length / maxPoints));
  const kept = steps.filter((_, i) => i % stride === 0);
  const bySkill = curves.map((perRun) => {
    const maps = perRun.map((c) => new Map(c.steps.map((s, i) => [s, c.values[i]])));
    return kept.map((s) => meanOrNull(maps.map((m) => m.get(s) ?? null)));
  });
  return { steps: kept, bySkill };
}

function rMatrix(
  outcomes: readonly RunOutcome[],
  ids: readonly string[],
  readCurve: CurveReader,
): TeacherOutcome['r'] {
  if (ids.length > maxSkillsForR || outcomes.length === 0) return null;
  const rows = ids.map((stage) => {
    const row = ids.map((id) =>
      meanOrNull(outcomes.map((o) => lastValue(readCurve(o.runId, `r/${stage}/${id}`)))),
    );
    return row.every((v) => v === null) ? null : row;
  });
  // No stage ended in any run (nothing mastered, no staged teacher): there is no matrix to show.
  if (rows.every((row) => row === null)) return null;
  const initial = ids.map((id) =>
    meanOrNull(
      outcomes.map((o) => {
        const curve = readCurve(o.runId, `accuracy/${id}`);
        return curve.steps[0] === 0 ? curve.values[0] : null;
      }),
    ),
  );
  const final = ids.map((id) =>
    meanOrNull(outcomes.map((o) => o.result[finalMetricName(`accuracy/${id}`)] ?? null)),
  );
  return { rows, initial, final };
}

function accuracyCurve(curves: { steps: number[]; values: (number | null)[] }[]): TeacherOutcome['curve'] {
  const { steps, meanValLoss, halfWidth } = meanCurve(curves);
  return { steps, mean: meanValLoss, halfWidth: halfWidth ?? steps.map(() => null) };
}

export function summariseRoadmap(
  config: RoadmapConfig,
  finished: ReadonlyMap<string, RunOutcome>,
  readCurve: CurveReader,
): RoadmapReport {
  const skills = orderedSkills(config);
  const ids = skills.map((s) => s.id);
  const target = config.evaluation.target;
  const outcomesOf = (runs: { key: string }[]) =>
    runs.map((r) => finished.get(r.key)).filter((o): o is RunOutcome => o !== undefined);
  const masteredAt = (o: RunOutcome, id: string) => o.result[finalMetricName(`mastered_at/${id}`)] ?? null;

  const teachers = teacherGroups(config).map((group): TeacherOutcome => {
    const outcomes = outcomesOf(group.runs);
    const valCurves = outcomes.map((o) => readCurve(o.runId, 'val_accuracy'));
    return {
      label: group.label,
      teacher: { ...group.spec },
      runs: outcomes.length,
      stepsToTarget: stepsSummary(valCurves.map((c) => firstStepAtOrAbove(c, target))),
      finalValAccuracy: intervalOf(outcomes.map((o) => o.result.final_val_accuracy)),
      skills: ids.map((id) => ({
        id,
        stepsToMastery: stepsSummary(outcomes.map((o) => masteredAt(o, id))),
        stepsToTarget: stepsSummary(
          outcomes.map((o) => firstStepAtOrAbove(readCurve(o.runId, `accuracy/${id}`), target)),
        ),
        finalAccuracy: intervalOf(outcomes.map((o) => o.result[finalMetricName(`accuracy/${id}`)])),
      })),
      forgetting: {
        acc: intervalOf(outcomes.map((o) => o.result.final_acc)),
        bwt: intervalOf(outcomes.map((o) => o.result.final_bwt)),
        fwt: intervalOf(outcomes.map((o) => o.result.final_fwt)),
      },
      r: rMatrix(outcomes, ids, readCurve),
      curve: accuracyCurve(valCurves),
      probabilities: meanProbabilities(outcomes, ids, readCurve),
    };
  });

  const alone = aloneGroups(config);
  const staged = teacherGroups(config).filter((g) => g.spec.name === 'manual');
  const transfer =
    alone.length === 0
      ? null
      : alone.map((group): TransferOutcome => {
          const k = ids.indexOf(group.skill);
          return {
            skill: group.skill,
            alone: stepsSummary(outcomesOf(group.runs).map((o) => masteredAt(o, group.skill))),
            afterPrerequisites: staged.map((g) => ({
              teacher: teachers[g.index].label,
              steps: stepsSummary(
                outcomesOf(g.runs).map((o) => {
                  const end = masteredAt(o, group.skill);
                  const start = k === 0 ? 0 : masteredAt(o, ids[k - 1]);
                  return end === null || start === null ? null : end - start;
                }),
              ),
            })),
          };
        });

  return {
    roadmap: {
      name: config.roadmap.name,
      version: config.roadmap.version ?? null,
      hash: config.roadmap.hash ?? null,
    },
    skills: skills.map((s) => ({ id: s.id, title: s.title ?? null, prerequisites: s.prerequisites })),
    target,
    budgetSteps: config.budget.steps,
    teachers,
    transfer,
  };
}

/** A stored report (JSON: NaN came back as null) as the typed report. */
export function parseRoadmapReport(value: unknown): RoadmapReport {
  return parseWithSchema<RoadmapReport>('reports/roadmap.schema.json', value, 'the stored roadmap report');
}
