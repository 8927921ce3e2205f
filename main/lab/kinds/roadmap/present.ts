// The roadmap report as people read it: teachers side by side in steps to the target accuracy
// and to each skill's mastery (mean ± 95 % interval over the seeds that got there, and how many
// did), final accuracies, ACC/BWT/FWT, the accuracy matrix R of each teacher, what each skill
// cost alone against after its prerequisites, the mean validation curves and each teacher's
// probability of every skill over time.
import {
  intervalCell,
  numberCell,
  textCell,
  type LabReport,
  type ReportCell,
  type ReportChart,
  type ReportTable,
} from '../../report/labReport.ts';
import type { StoredInterval } from '../optimizerComparison/report.ts';
import type { RoadmapReport, StepsSummary, TeacherOutcome } from './report.ts';

/** "1,240 ± 180 (5/5)", "not reached (0/5)"; sorts by the mean. */
export function stepsCell(summary: StepsSummary): ReportCell {
  const runs = summary.perRun.length;
  const { interval } = summary;
  if (!interval) return textCell(`not reached (0/${runs})`, null);
  const spread = interval.halfWidth === null ? '' : ` ± ${Math.round(interval.halfWidth)}`;
  return textCell(`${Math.round(interval.mean)}${spread} (${summary.reached}/${runs})`, interval.mean);
}

const interval = (value: StoredInterval | null): ReportCell =>
  value === null ? numberCell(null) : intervalCell(value);

function teachersTable(report: RoadmapReport): ReportTable {
  return {
    id: 'teachers',
    title: `Teachers: learner steps until val_accuracy (mean over skills) ≥ ${report.target}`,
    columns: [
      'teacher',
      `steps to ≥ ${report.target} (95% CI, reached)`,
      'final val accuracy',
      'ACC',
      'BWT',
      'FWT',
      'runs',
    ],
    rows: report.teachers.map((t) => [
      textCell(t.label),
      stepsCell(t.stepsToTarget),
      interval(t.finalValAccuracy),
      interval(t.forgetting.acc),
      interval(t.forgetting.bwt),
      interval(t.forgetting.fwt),
      numberCell(t.runs),
    ]),
  };
}

function perSkillTable(
  report: RoadmapReport,
  id: string,
  title: string,
  cell: (skill: TeacherOutcome['skills'][number]) => ReportCell,
): ReportTable {
  return {
    id,
    title,
    columns: ['teacher', ...report.skills.map((s) => s.id)],
    rows: report.teachers.map((t) => [textCell(t.label), ...t.skills.map(cell)]),
  };
}

function rTable(report: RoadmapReport, teacher: TeacherOutcome, index: number): ReportTable | null {
  const r = teacher.r;
  if (!r) return null;
  const ids = report.skills.map((s) => s.id);
  const row = (label: string, values: (number | null)[]) => [textCell(label), ...values.map(numberCell)];
  const rows = [row('untrained (b)', r.initial)];
  r.rows.forEach((values, i) => {
    if (values) rows.push(row(`after stage ${ids[i]}`, values));
  });
  rows.push(row('final', r.final));
  return {
    id: `r/${index}`,
    title: `Accuracy matrix R — ${teacher.label}: accuracy on each skill (columns) once a stage ended (mean over seeds)`,
    columns: ['measured', ...ids],
    rows,
    heatmap: true,
  };
}

function transferTable(report: RoadmapReport): ReportTable | null {
  if (!report.transfer) return null;
  const teachers = report.transfer[0]?.afterPrerequisites.map((a) => a.teacher) ?? [];
  return {
    id: 'transfer',
    title:
      'Transfer: steps to master each skill alone from scratch, and in its stage after the skills before it',
    columns: ['skill', 'alone', ...teachers.map((t) => `after prerequisites · ${t}`)],
    rows: report.transfer.map((t) => [
      textCell(t.skill),
      stepsCell(t.alone),
      ...t.afterPrerequisites.map((a) => stepsCell(a.steps)),
    ]),
  };
}

function curveChart(report: RoadmapReport): ReportChart {
  return {
    id: 'val-accuracy',
    title: 'Validation accuracy (mean over skills), mean over seeds (95 % band)',
    x: { label: 'learner step', scale: 'linear' },
    y: { label: 'val_accuracy', scale: 'linear' },
    series: report.teachers
      .filter((t) => t.curve.steps.length > 0)
      .map((t) => {
        const { steps, mean, halfWidth } = t.curve;
        return {
          label: t.label,
          x: steps,
          y: mean,
          band: {
            lower: mean.map((m, i) => (halfWidth[i] === null ? null : m - halfWidth[i]!)),
            upper: mean.map((m, i) => (halfWidth[i] === null ? null : m + halfWidth[i]!)),
            level: 0.95,
          },
        };
      }),
  };
}

function probabilityChart(report: RoadmapReport, teacher: TeacherOutcome, index: number): ReportChart {
  return {
    id: `teacher-p/${index}`,
    title: `${teacher.label}: probability of each skill over time (mean over seeds; each run's page in the app draws its own as a stack)`,
    x: { label: 'learner step', scale: 'linear' },
    y: { label: 'teacher/p', scale: 'linear' },
    series: report.skills.map((s, i) => ({
      label: s.id,
      x: teacher.probabilities.steps,
      y: teacher.probabilities.bySkill[i] ?? [],
    })),
  };
}

export function presentRoadmap(report: RoadmapReport): LabReport {
  const version = report.roadmap.version === null ? '' : ` v${report.roadmap.version}`;
  const tables = [
    teachersTable(report),
    perSkillTable(report, 'mastery', 'Learner steps until each skill was mastered (its criterion met)', (s) =>
      stepsCell(s.stepsToMastery),
    ),
    perSkillTable(
      report,
      'skill-target',
      `Learner steps until each skill's validation accuracy ≥ ${report.target}`,
      (s) => stepsCell(s.stepsToTarget),
    ),
    perSkillTable(report, 'final-accuracy', 'Final validation accuracy per skill', (s) =>
      interval(s.finalAccuracy),
    ),
    ...report.teachers.flatMap((t, i) => rTable(report, t, i) ?? []),
    ...(transferTable(report) ? [transferTable(report)!] : []),
  ];
  return {
    title: `Roadmap ${report.roadmap.name}${version}: ${report.skills.length} skills, ${report.teachers.length} teacher(s), ${report.budgetSteps} steps`,
    notes: [
      'Steps are learner steps (one batch of one skill each), as mean ± 95 % Student-t interval over the seeds that got there, with how many did; a seed that never got there is not in the mean.',
      'A skill is mastered when its criterion (accuracy over a window of answers, or k right in a row) is met on the answers the learner gave while training, each graded before it trained on it.',
      'R[i][j] is the accuracy on skill j once stage i ended (a staged teacher moved on, or — for teachers without stages — skill i was first mastered); b is the untrained learner. ACC = mean final accuracy; BWT = mean of final[i] − R[i][i] (negative: forgetting); FWT = mean of R[i−1][i] − b[i] (positive: transfer), Lopez-Paz & Ranzato 2017.',
    ],
    tables,
    charts: [curveChart(report), ...report.teachers.map((t, i) => probabilityChart(report, t, i))],
  };
}
