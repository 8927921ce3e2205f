// The meta-training report as people read it: for each test setting, a table of final losses
// (learned optimizer pooled over meta-training seeds, each seed, each tuned baseline) with 95 %
// intervals and the steps each needs to reach tuned Adam's final loss, the significance tests
// against the best baseline (pooled, and the best-validated seed's alone), and the loss curves
// with bands on a log axis; then the meta-training runs (best validation, where they stopped)
// with their validation curves.
import { formatValue } from '../../formatValue.ts';
import {
  intervalCell,
  numberCell,
  textCell,
  type LabReport,
  type ReportChart,
  type ReportSeries,
  type ReportTable,
} from '../../report/labReport.ts';
import { formatLearningRate } from '../optimizerComparison/config.ts';
import { gridEdgeNotes } from '../optimizerComparison/present.ts';
import type { MeanCurve } from '../optimizerComparison/report.ts';
import type { MetaTrainingReport, SettingReport, SignificanceTest } from './report.ts';

function series(label: string, curve: MeanCurve): ReportSeries {
  const { steps, meanValLoss, halfWidth } = curve;
  const band = halfWidth && {
    lower: meanValLoss.map((m, i) => (halfWidth[i] === null ? null : m - halfWidth[i])),
    upper: meanValLoss.map((m, i) => (halfWidth[i] === null ? null : m + halfWidth[i])),
    level: 0.95,
  };
  return { label, x: steps, y: meanValLoss, ...(band ? { band } : {}) };
}

const stepsCell = (steps: number | null, target: number | null) =>
  target === null
    ? textCell('no tuned adam', null)
    : steps === null
      ? textCell('not reached', null)
      : numberCell(steps);

function finalLossTable(setting: SettingReport, index: number): ReportTable {
  const target = setting.adamFinalLoss;
  const { learned } = setting;
  const rows = [
    [
      textCell(learned.label),
      textCell('—', null),
      learned.finalValLoss ? intervalCell(learned.finalValLoss) : numberCell(null),
      numberCell(learned.runs),
      numberCell(learned.diverged),
      stepsCell(learned.stepsToAdam, target),
    ],
    ...learned.perSeed.map((s) => [
      textCell(
        `  meta-train seed ${s.seed}${s.seed === setting.selectedTest?.seed ? ' (best validation)' : ''}`,
      ),
      textCell('—', null),
      s.finalValLoss ? intervalCell(s.finalValLoss) : numberCell(null),
      numberCell(s.runs),
      numberCell(s.diverged),
      textCell('', null),
    ]),
    ...setting.baselines.map((o) => [
      textCell(o.label),
      o.lrSource === 'learned'
        ? textCell('learned', null)
        : o.lr === null
          ? textCell('none stable', null)
          : textCell(`${formatLearningRate(o.lr)}${o.lrSource === 'fixed' ? ' (fixed)' : ''}`, o.lr),
      o.finalValLoss ? intervalCell(o.finalValLoss) : numberCell(null),
      numberCell(o.runs),
      numberCell(o.diverged),
      stepsCell(o.stepsToAdam, target),
    ]),
  ];
  return {
    id: `final-loss-${index}`,
    title: `${setting.name}: final loss after ${setting.steps} steps on ${setting.testProblems} test problems (95% CI)`,
    columns: [
      'optimizer',
      'lr',
      'final loss (95% CI)',
      'runs',
      'diverged',
      `steps to tuned adam's ${formatValue(target)}`,
    ],
    rows,
  };
}

function lossChart(setting: SettingReport, index: number): ReportChart {
  return {
    id: `loss-${index}`,
    title: `${setting.name}: loss, mean over test problems (95 % band)`,
    x: { label: 'optimizee step', scale: 'linear' },
    y: { label: 'loss', scale: 'log' },
    series: [
      series(setting.learned.label, setting.learned.curve),
      ...setting.baselines.filter((o) => o.curve.steps.length > 0).map((o) => series(o.label, o.curve)),
    ].filter((s) => s.x.length > 0),
  };
}

function welchSentence(t: SignificanceTest): string {
  const better = t.learnedMeanLog10 < t.baselineMeanLog10 ? 'lower' : 'higher';
  return (
    `mean ${formatValue(t.learnedMeanLog10)} vs ${formatValue(t.baselineMeanLog10)} (learned ${better}), ` +
    `t = ${formatValue(t.t)}, df = ${formatValue(t.df)}, p = ${formatValue(t.p)} over ${t.n} test problems.`
  );
}

function testNotes(setting: SettingReport): string[] {
  const t = setting.test;
  if (!t) return [`${setting.name}: no significance test (fewer than 2 finished test problems on a side).`];
  const notes = [
    `${setting.name}: Welch's t-test on log10 final loss, learned (pooled over seeds) vs the best baseline (${t.against}): ${welchSentence(t)}`,
  ];
  const s = setting.selectedTest;
  if (s)
    notes.push(
      `${setting.name}: the same test for the best-validated optimizer alone (meta-train seed ${s.seed}, chosen on validation problems, not the test ones) vs ${s.against}: ${welchSentence(s)}`,
    );
  return notes;
}

function metaTrainingTable(report: MetaTrainingReport): ReportTable {
  return {
    id: 'meta-training',
    title: 'Meta-training runs (the optimizer kept is the best-validated one)',
    columns: ['seed', 'status', 'meta-iterations', 'best val loss', 'at meta-iteration'],
    rows: report.metaTraining.map((r) => [
      numberCell(r.seed),
      textCell(r.status === 'diverged' ? `diverged at ${formatValue(r.divergedAt)}` : r.status),
      numberCell(r.metaIterations),
      numberCell(r.bestValLoss),
      numberCell(r.bestIteration),
    ]),
  };
}

function metaTrainingChart(report: MetaTrainingReport): ReportChart {
  return {
    id: 'meta-validation',
    title: 'Meta-training: validation loss of the frozen optimizer at each validation',
    x: { label: 'meta-iteration', scale: 'linear' },
    y: { label: 'validation loss', scale: 'log' },
    series: report.metaTraining
      .filter((r) => r.valCurve.steps.length > 0)
      .map((r) => ({ label: `seed ${r.seed}`, x: r.valCurve.steps, y: r.valCurve.values })),
  };
}

export function presentMetaTraining(report: MetaTrainingReport): LabReport {
  const problem = `${String(report.problem.name)} ${JSON.stringify(Object.fromEntries(Object.entries(report.problem).filter(([k]) => k !== 'name')))}`;
  return {
    title: `Meta-training (${report.preset}): ${report.optimizer} on ${String(report.problem.name)}`,
    notes: [
      `Preset ${report.preset}; problem ${problem}; meta-training by ${report.method}.`,
      'The learned optimizer kept from each meta-training seed is its best-validated one (early stopping on fresh validation problems). On each test problem its final loss is averaged over seeds; intervals are 95 % Student-t over the test problems; per-seed rows show the spread between meta-training seeds.',
      "Baselines had their learning rate tuned on the half-decade grid by mean final loss on problems of the same setting (seeds disjoint from the test problems); other hyperparameters at Torch7's optim defaults. Test problems are the same for every optimizer.",
      ...report.settings.flatMap(testNotes),
      ...report.settings.flatMap((s) => gridEdgeNotes(s.baselines).map((note) => `${s.name}: ${note}`)),
    ],
    tables: [...report.settings.map(finalLossTable), metaTrainingTable(report)],
    charts: [...report.settings.map(lossChart), metaTrainingChart(report)],
  };
}
