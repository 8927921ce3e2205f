// The distillation report as people read it: the mentor, every arm × student size on its test
// metrics (mean ± 95 % interval over seeds), each distilled arm against the baseline on the same
// seeds, the losses written out, the omitted class before and after its bias shift, translation
// quality and decode speed; charts of mentor and student validation curves side by side, the
// soft and hard terms of the KD loss, and accuracy against temperature; confusion matrices.
import { formatValue } from '../../formatValue.ts';
import {
  intervalCell,
  numberCell,
  textCell,
  type LabReport,
  type ReportCell,
  type ReportChart,
  type ReportSeries,
  type ReportTable,
} from '../../report/labReport.ts';
import type { MeanCurve, StoredInterval } from './curves.ts';
import {
  classAccuracyFromConfusion,
  earlyStoppedAccuracy,
  type DistillationReport,
  type GroupReport,
} from './report.ts';

/** Most confusion matrices a report shows (a sweep would drown its other tables). */
const maxConfusionTables = 6;

const metricTitles: Record<string, string> = {
  test_accuracy: 'test accuracy',
  test_errors: 'test errors',
  test_loss: 'test loss',
  val_accuracy: 'val accuracy',
  [earlyStoppedAccuracy]: 'test accuracy at best val loss',
  bias_shift: 'bias shift (chosen on val)',
  test_accuracy_omitted: 'omitted class, test accuracy',
  test_accuracy_omitted_shifted: 'omitted class, after the shift',
  test_accuracy_shifted: 'all classes, after the shift',
  test_bleu_greedy: 'BLEU greedy',
  test_bleu_beam: 'BLEU beam',
  test_exact_greedy: 'exact match greedy',
  test_exact_beam: 'exact match beam',
  test_consistent_greedy: 'valid translation greedy',
  test_consistent_beam: 'valid translation beam',
  test_perplexity: 'perplexity (references)',
  greedy_sentences_per_second: 'greedy sentences/s',
  beam_sentences_per_second: 'beam sentences/s',
};

/** A metric's name as tables head it. */
export const metricTitle = (metric: string) => metricTitles[metric] ?? metric;

function cell(interval: StoredInterval | null | undefined): ReportCell {
  return interval ? intervalCell(interval) : numberCell(null);
}

/** The mentor's value of a metric; on an omitted class, its accuracy from its confusion matrix. */
function mentorMetric(report: DistillationReport, metric: string): number | null {
  const omitted = report.transfer.omitClass;
  if (metric === 'test_accuracy_omitted' && omitted !== null && report.mentor.confusion)
    return classAccuracyFromConfusion(report.mentor.confusion, omitted);
  return report.mentor.metrics[metric] ?? null;
}

function resultsTable(
  report: DistillationReport,
  id: string,
  heading: string,
  metrics: string[],
): ReportTable {
  const { mentor } = report;
  const mentorRow: ReportCell[] = [
    textCell(mentor.label),
    textCell(mentor.source === 'trained' ? 'mentor (trained here)' : `mentor (artifact ${mentor.artifact})`),
    numberCell(mentor.source === 'trained' ? 1 : null),
    ...metrics.map((m) => numberCell(mentorMetric(report, m))),
  ];
  const rows = report.groups.map((g) => [
    textCell(g.label),
    textCell(g.student),
    textCell(`${g.runs - g.diverged}${g.diverged ? ` (+${g.diverged} diverged)` : ''}`, g.runs - g.diverged),
    ...metrics.map((m) => cell(g.metrics[m])),
  ]);
  return {
    id,
    title: heading,
    columns: ['arm', 'network', 'seeds', ...metrics.map(metricTitle)],
    rows: [mentorRow, ...rows],
  };
}

function comparisonTable(report: DistillationReport): ReportTable | null {
  if (report.comparisons.length === 0) return null;
  return {
    id: 'comparison',
    title: `Against the baseline on the same seeds: ${metricTitle(report.primaryMetric)} (arm − baseline, paired 95 % CI)`,
    columns: ['arm', 'student', 'baseline', 'difference', 'better?'],
    rows: report.comparisons.map((c) => {
      const d = c.difference;
      const verdict =
        !d || d.low === null || d.high === null
          ? 'too few seeds'
          : d.low > 0
            ? 'yes'
            : d.high < 0
              ? 'no, worse'
              : 'not distinguishable';
      return [textCell(c.arm), textCell(c.student), textCell(c.baseline), cell(d), textCell(verdict)];
    }),
  };
}

function formulaTable(report: DistillationReport): ReportTable {
  const seen = new Map<string, string>();
  for (const g of report.groups) if (!seen.has(g.arm)) seen.set(g.arm, g.formula);
  return {
    id: 'losses',
    title: 'What each arm minimised',
    columns: ['arm', 'loss'],
    rows: [...seen].map(([arm, formula]) => [textCell(arm), textCell(formula)]),
  };
}

export function confusionTable(id: string, heading: string, matrix: number[][]): ReportTable {
  return {
    id,
    title: heading,
    columns: ['true \\ predicted', ...matrix.map((_, i) => String(i))],
    rows: matrix.map((row, i) => [textCell(String(i), i), ...row.map((v) => numberCell(v))]),
    heatmap: true,
  };
}

function confusionTables(report: DistillationReport): ReportTable[] {
  const tables: ReportTable[] = [];
  if (report.mentor.confusion)
    tables.push(
      confusionTable(
        'confusion-mentor',
        `Test confusion matrix: ${report.mentor.label}`,
        report.mentor.confusion,
      ),
    );
  const groups = report.groups.filter((g) => g.confusion);
  groups
    .slice(0, maxConfusionTables)
    .forEach((g, i) =>
      tables.push(
        confusionTable(
          `confusion-${i}`,
          `Test confusion matrix: ${g.label}, summed over ${g.runs - g.diverged} seeds`,
          g.confusion!,
        ),
      ),
    );
  return tables;
}

function band(curve: MeanCurve): ReportSeries['band'] | undefined {
  if (curve.halfWidth.every((h) => h === null)) return undefined;
  return {
    lower: curve.mean.map((m, i) => (curve.halfWidth[i] === null ? null : m - curve.halfWidth[i]!)),
    upper: curve.mean.map((m, i) => (curve.halfWidth[i] === null ? null : m + curve.halfWidth[i]!)),
    level: 0.95,
  };
}

function curvesChart(report: DistillationReport): ReportChart {
  const series: ReportSeries[] = [];
  if (report.mentor.curve.steps.length > 0) {
    series.push({ label: report.mentor.label, x: report.mentor.curve.steps, y: report.mentor.curve.values });
  }
  for (const g of report.groups) {
    if (g.curve.steps.length === 0) continue;
    const b = band(g.curve);
    series.push({ label: g.label, x: g.curve.steps, y: g.curve.mean, ...(b ? { band: b } : {}) });
  }
  return {
    id: 'curves',
    title: `Mentor and students: ${report.curveMetric.replace(/_/g, ' ')} (students: mean over seeds, 95 % band)`,
    x: { label: 'step', scale: 'linear' },
    y: { label: report.curveMetric.replace(/_/g, ' '), scale: 'linear' },
    series,
  };
}

function lossTermsChart(groups: readonly GroupReport[]): ReportChart | null {
  const series = groups.flatMap((g): ReportSeries[] =>
    g.lossTerms
      ? [
          { label: `${g.label}: soft term`, x: g.lossTerms.steps, y: g.lossTerms.soft },
          { label: `${g.label}: hard term`, x: g.lossTerms.steps, y: g.lossTerms.hard },
        ]
      : [],
  );
  if (series.length === 0) return null;
  return {
    id: 'loss-terms',
    title:
      'KD loss decomposition: soft term D(p_T ‖ q_T) and hard term CE(y, q) before weighting (mean over seeds)',
    x: { label: 'step', scale: 'linear' },
    y: { label: 'loss term', scale: 'log' },
    series,
  };
}

/** Test metric against temperature, one series per student size (a temperature sweep). */
function temperatureChart(report: DistillationReport): ReportChart | null {
  const distilled = report.groups.filter((g) => g.temperature !== null);
  if (new Set(distilled.map((g) => g.temperature)).size < 2) return null;
  const metric = report.primaryMetric;
  const series = [...new Set(distilled.map((g) => g.student))].map((student): ReportSeries => {
    const points = distilled
      .filter((g) => g.student === student)
      .sort((a, b) => a.temperature! - b.temperature!);
    const values = points.map((g) => g.metrics[metric]);
    return {
      label: student,
      x: points.map((g) => g.temperature!),
      y: values.map((v) => v?.mean ?? null),
      band: {
        lower: values.map((v) => v?.low ?? null),
        upper: values.map((v) => v?.high ?? null),
        level: 0.95,
      },
    };
  });
  return {
    id: 'temperature',
    title: `${metricTitle(metric)} against the temperature T, per student (95 % band)`,
    x: { label: 'temperature T', scale: 'log' },
    y: { label: metricTitle(metric), scale: 'linear' },
    series,
  };
}

function notes(report: DistillationReport): string[] {
  const out = [
    `Every arm trains the same ${report.studentSeeds} student seed(s) on the same data order; intervals are 95 % Student-t over seeds, and the baseline comparison is paired by seed.`,
  ];
  if (report.transfer.fraction < 1)
    out.push(
      `Students saw ${formatValue(report.transfer.fraction * 100)} % of the training split (the same subset for every arm); the mentor saw all of it.`,
    );
  if (report.transfer.omitClass !== null)
    out.push(
      `Class ${report.transfer.omitClass} was left out of the students' transfer set. Its output bias was then raised by the shift with the best validation accuracy (chosen per run) before measuring its test accuracy. The mentor saw the class; its accuracy on it is read from its test confusion matrix.`,
    );
  if (report.task === 'toy-translation')
    out.push(
      'BLEU is corpus BLEU-4 with brevity penalty against the one reference; a translation with the other synonym choice is correct but scores lower against that reference ("valid translation" counts correct translations with either choice).',
    );
  return out;
}

export function presentDistillation(report: DistillationReport): LabReport {
  const translation = report.task === 'toy-translation';
  const tables: ReportTable[] = [];
  if (translation) {
    tables.push(
      resultsTable(report, 'quality', 'Translation quality on the test set', [
        'test_bleu_greedy',
        'test_bleu_beam',
        'test_exact_greedy',
        'test_exact_beam',
        'test_consistent_greedy',
        'test_perplexity',
      ]),
      resultsTable(report, 'speed', 'Decode speed on the test set', [
        'greedy_sentences_per_second',
        'beam_sentences_per_second',
      ]),
    );
  } else {
    tables.push(
      resultsTable(report, 'results', 'Test results (final step; and at the best validation loss)', [
        'test_accuracy',
        'test_errors',
        earlyStoppedAccuracy,
        'test_loss',
      ]),
    );
    if (report.transfer.omitClass !== null)
      tables.push(
        resultsTable(report, 'omitted', `The omitted class ${report.transfer.omitClass}`, [
          'test_accuracy_omitted',
          'bias_shift',
          'test_accuracy_omitted_shifted',
          'test_accuracy_shifted',
        ]),
      );
  }
  const comparison = comparisonTable(report);
  if (comparison) tables.push(comparison);
  tables.push(formulaTable(report), ...confusionTables(report));
  const charts = [curvesChart(report), lossTermsChart(report.groups), temperatureChart(report)].filter(
    (c): c is ReportChart => c !== null,
  );
  const taskName = translation
    ? 'the toy translation task'
    : report.task === 'mnist'
      ? 'MNIST'
      : 'IDX images';
  return { title: `Mentor→student distillation on ${taskName}`, notes: notes(report), tables, charts };
}
