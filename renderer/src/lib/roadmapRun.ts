// What a roadmap run's detail page draws, from the run's config and its stored metrics, kept out
// of the components so it is tested on its own: the skills the run climbed (in roadmap order, as
// its config records them), the latest mastery of each, and the teacher's probabilities as a
// stack of bands. (R and the per-skill table come from the kind: main/lab/kinds/roadmap/runView.ts.)
// The metric names are the ones main/lab/kinds/roadmap/curriculumRun.ts writes.
import type { RoadmapSkill } from './roadmapYaml.ts';

/** A metric's points (a MetricSeries, or part of one). */
export interface StepSeries {
  steps: number[];
  values: (number | null)[];
}

export const masteryMetric = (skill: string) => `mastery/${skill}`;
export const masteredMetric = (skill: string) => `mastered/${skill}`;
export const probabilityMetric = (skill: string) => `teacher/p/${skill}`;

/** The skills a roadmap run's config lists (roadmap order), or null when it is not a roadmap run's config. */
export function runSkills(config: unknown): RoadmapSkill[] | null {
  const skills = (config as { skills?: unknown } | null)?.skills;
  if (!Array.isArray(skills)) return null;
  const read = skills.map((s: unknown) => {
    const skill = s as { id?: unknown; title?: unknown; prerequisites?: unknown };
    if (typeof skill?.id !== 'string') return null;
    const prerequisites = Array.isArray(skill.prerequisites)
      ? skill.prerequisites.filter((p): p is string => typeof p === 'string')
      : [];
    return { id: skill.id, title: typeof skill.title === 'string' ? skill.title : skill.id, prerequisites };
  });
  return read.every((s) => s !== null) ? (read as RoadmapSkill[]) : null;
}

/** The roadmap version a run records (version null where the roadmap was never stored), or null. */
export function runRoadmap(config: unknown): { name: string; version: number | null } | null {
  const roadmap = (config as { roadmap?: { name?: unknown; version?: unknown } } | null)?.roadmap;
  if (typeof roadmap?.name !== 'string') return null;
  return { name: roadmap.name, version: typeof roadmap.version === 'number' ? roadmap.version : null };
}

/** The last non-null value of a series (the newest point), or null. */
export function latestValue(series: StepSeries | undefined): number | null {
  if (!series) return null;
  for (let i = series.values.length - 1; i >= 0; i--) if (series.values[i] !== null) return series.values[i];
  return null;
}

export interface ProbabilityLayer {
  id: string;
  /** Per step of the stack: where the layer starts and ends (0..1; the layers tile [0, 1]). */
  lower: number[];
  upper: number[];
}

export interface ProbabilityStack {
  steps: number[];
  layers: ProbabilityLayer[];
}

/**
 * The teacher's probability of each skill stacked: at every step any skill's curve has a point,
 * each skill takes its latest value so far (a curve decimated for drawing may keep different
 * steps per skill), and the values are scaled to sum to 1 (the teacher's distribution; the
 * scaling only undoes decimation). Steps where no skill has a value yet are left out.
 */
export function probabilityStack(
  ids: readonly string[],
  curves: ReadonlyMap<string, StepSeries>,
): ProbabilityStack {
  const steps = [...new Set(ids.flatMap((id) => curves.get(id)?.steps ?? []))].sort((a, b) => a - b);
  const cursor = ids.map(() => 0);
  const current: (number | null)[] = ids.map(() => null);
  const kept: number[] = [];
  const columns: number[][] = [];
  for (const step of steps) {
    ids.forEach((id, k) => {
      const curve = curves.get(id);
      while (curve && cursor[k] < curve.steps.length && curve.steps[cursor[k]] <= step) {
        const value = curve.values[cursor[k]];
        if (value !== null && Number.isFinite(value)) current[k] = Math.max(0, value);
        cursor[k]++;
      }
    });
    const total = current.reduce<number>((sum, v) => sum + (v ?? 0), 0);
    if (total <= 0) continue;
    kept.push(step);
    columns.push(current.map((v) => (v ?? 0) / total));
  }
  const layers = ids.map((id, k) => {
    const lower = columns.map((column) => column.slice(0, k).reduce((a, b) => a + b, 0));
    return { id, lower, upper: lower.map((l, i) => l + columns[i][k]) };
  });
  return { steps: kept, layers };
}
