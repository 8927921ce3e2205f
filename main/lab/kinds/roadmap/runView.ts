// One roadmap run as the kind sees it (ExperimentKind.presentRun): what the app's run page shows
// under the roadmap graph and `lab inspect` prints — each skill with its criterion, when it was
// mastered and where it stands, and the run's accuracy matrix R (accuracy on skill j once the
// stage of skill i ended) as a heat map with ACC, BWT and FWT. Read from the store when asked, so
// a running run's view is as current as its metrics ("now" instead of "final").
import type { RunRecord } from '../../../store/records.ts';
import type { RunReader } from '../experimentKind.ts';
import { numberCell, textCell, type LabReport, type ReportTable } from '../../report/labReport.ts';
import { maxSkillsForR } from './report.ts';
import { roadmapRunConfig, type RoadmapRunConfig } from './runConfig.ts';

type Latest = (name: string) => number | null;

function criterion(skill: RoadmapRunConfig['skills'][number]): string {
  const { accuracy, window, inARow } = skill.mastery;
  return inARow !== undefined ? `${inARow} right in a row` : `accuracy ≥ ${accuracy} over ${window} answers`;
}

function skillsTable(config: RoadmapRunConfig, latest: Latest): ReportTable {
  return {
    id: 'run-skills',
    title: 'Skills in roadmap order: when each was mastered and where it stands',
    columns: ['skill', 'prerequisites', 'mastered when', 'mastered at step', 'mastery', 'val accuracy'],
    rows: config.skills.map((s) => [
      textCell(s.title ? `${s.id} (${s.title})` : s.id),
      textCell(s.prerequisites.join(', ') || '—'),
      textCell(criterion(s)),
      numberCell(latest(`mastered_at/${s.id}`)),
      numberCell(latest(`mastery/${s.id}`)),
      numberCell(latest(`accuracy/${s.id}`)),
    ]),
  };
}

/** R with b and the final (or current) row; null when no stage has ended or R is left out. */
export function runAccuracyMatrix(
  ids: readonly string[],
  latest: Latest,
  atStart: Latest,
  ended: boolean,
): ReportTable | null {
  if (ids.length > maxSkillsForR) return null;
  const stages = ids.filter((stage) => ids.some((id) => latest(`r/${stage}/${id}`) !== null));
  if (stages.length === 0) return null;
  const row = (label: string, value: (id: string) => number | null) => [
    textCell(label),
    ...ids.map((id) => numberCell(value(id))),
  ];
  return {
    id: 'run-r',
    title: 'Accuracy matrix R: accuracy on each skill (columns) once the stage of a skill (rows) ended',
    columns: ['measured', ...ids],
    rows: [
      row('untrained (b)', (id) => atStart(`accuracy/${id}`)),
      ...stages.map((stage) => row(`after stage ${stage}`, (id) => latest(`r/${stage}/${id}`))),
      row(ended ? 'final' : 'now', (id) => latest(`accuracy/${id}`)),
    ],
    heatmap: true,
  };
}

export function presentRoadmapRun(run: RunRecord, read: RunReader): LabReport {
  const config = roadmapRunConfig.parse(run.config);
  const ids = config.skills.map((s) => s.id);
  const curve = (name: string) => read.curve(run.id, name);
  const latest: Latest = (name) => {
    const { values } = curve(name);
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
    return null;
  };
  const atStart: Latest = (name) => {
    const { steps, values } = curve(name);
    return steps[0] === 0 ? values[0] : null;
  };
  const ended = !['queued', 'running'].includes(run.status);
  const r = runAccuracyMatrix(ids, latest, atStart, ended);
  const measures = ['acc', 'bwt', 'fwt'] as const;
  const { name, version, hash } = config.roadmap;
  return {
    title: `${run.label} on roadmap ${name}${version === null ? '' : ` v${version}`}`,
    notes: [
      `Roadmap ${name}${version === null ? ' (not stored)' : ` version ${version}, sha256 ${hash?.slice(0, 12)}…`}; teacher ${config.teacher.label}.`,
      r
        ? 'R[i][j] is the accuracy on skill j once the stage of skill i ended (a staged teacher moved past it, or — for other teachers — it was first mastered); b is the untrained learner. ACC = mean accuracy of the last row; BWT = mean of last[i] − R[i][i] (negative: forgetting); FWT = mean of R[i−1][i] − b[i] (positive: transfer), Lopez-Paz & Ranzato 2017.'
        : ids.length > maxSkillsForR
          ? `The accuracy matrix R is left out beyond ${maxSkillsForR} skills.`
          : 'No stage has ended yet, so there is no accuracy matrix R: a row appears when a staged teacher moves past a skill or, for other teachers, when a skill is first mastered.',
    ],
    tables: [
      skillsTable(config, latest),
      ...(r ? [r] : []),
      {
        id: 'run-forgetting',
        title: `Forgetting and transfer ${ended ? 'at the end' : 'so far'}`,
        columns: ['ACC', 'BWT', 'FWT'],
        rows: [measures.map((m) => numberCell(latest(m)))],
      },
    ],
    charts: [],
  };
}
