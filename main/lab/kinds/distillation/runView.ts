// One distillation run as a researcher looks at it (the app's run page, `lab inspect`), live
// while it trains: what it is (role, arm, the loss written out, its mentor, its transfer set), its
// results beside its mentor's, its validation curves on the mentor's, the KD loss split into its
// soft and hard terms (raw and as weighted in the loss), the omitted class over training, and —
// once it ended — its test confusion matrix and each class's accuracy beside the mentor's.
import { formatValue } from '../../formatValue.ts';
import type { RunReader } from '../experimentKind.ts';
import {
  numberCell,
  textCell,
  type LabReport,
  type ReportChart,
  type ReportSeries,
  type ReportTable,
} from '../../report/labReport.ts';
import type { RunRecord } from '../../../store/records.ts';
import { thin, type Curve } from './curves.ts';
import { confusionTable, metricTitle } from './present.ts';
import {
  classAccuracyFromConfusion,
  confusionFromResult,
  imageReportMetrics,
  omittedClassMetrics,
  translationReportMetrics,
} from './report.ts';
import { distillationRunConfig, type DistillationRunConfig } from './runConfig.ts';

interface MentorOf {
  /** The mentor's run where this lab recorded it. */
  run: RunRecord | undefined;
  /** Where the mentor came from, in words. */
  source: string;
}

const runName = (run: RunRecord) => `run ${run.id} (${run.label})`;

function mentorOf(run: RunRecord, config: DistillationRunConfig, read: RunReader): MentorOf | null {
  if (config.role === 'mentor') return null;
  const fromArtifact = (artifactId: number): MentorOf => {
    const found = read.artifactRun(artifactId);
    return {
      run: found,
      source: found
        ? `${runName(found)}, its model artifact ${artifactId}`
        : `artifact ${artifactId} (the run that left it is no longer recorded)`,
    };
  };
  if (run.inputs.mentor !== undefined) return fromArtifact(run.inputs.mentor);
  if (config.mentor?.artifact !== undefined)
    return { run: undefined, source: `the model file ${config.mentor.artifact}` };
  // A baseline student reads no mentor; its experiment's mentor is still the one to compare with.
  const siblings = read.experimentRuns(run.experimentId);
  const trained = siblings.find((r) => r.phase === 'mentor');
  if (trained) return { run: trained, source: `${runName(trained)} — not read by this baseline student` };
  const reader = siblings.find((r) => r.inputs.mentor !== undefined);
  if (!reader) return null;
  const viaSibling = fromArtifact(reader.inputs.mentor);
  return { ...viaSibling, source: `${viaSibling.source} — not read by this baseline student` };
}

function describeKnobs(config: DistillationRunConfig): string | null {
  const kd = config.arm?.distillation;
  if (!kd) return null;
  return [
    `T ${kd.temperature}`,
    `α ${kd.alpha}`,
    `T² factor ${kd.squaredTemperature ? 'on' : 'off'}`,
    kd.softLoss === 'kl' ? 'KL divergence' : 'cross-entropy on soft targets',
    `${kd.reduction} reduction`,
  ].join(' · ');
}

function describeTransfer(config: DistillationRunConfig): string | null {
  const transfer = config.transfer;
  if (!transfer) return null;
  const share =
    transfer.fraction === 1
      ? 'all of the training split'
      : `${formatValue(transfer.fraction * 100)} % of the training split (subset seed ${transfer.subsetSeed})`;
  return transfer.omitClass === undefined ? share : `${share}, without class ${transfer.omitClass}`;
}

/** `{ hidden: [64, 64], activation: relu }`: a model as a definition writes it. */
function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${flowYaml(v)}`)
      .join(', ')} }`;
  return String(value);
}

/** The definition lines that make this run's trained model another experiment's mentor. */
function reuseAsMentor(run: RunRecord, config: DistillationRunConfig, read: RunReader): string | null {
  const model = read.models?.(run.id).find((a) => a.name === 'model');
  if (!model) return null;
  const { inputDropout: _input, dropout: _dropout, ...architecture } = config.model;
  return `mentor: { artifact: ${model.id}, model: ${flowYaml(architecture)} }`;
}

function whatTable(
  run: RunRecord,
  config: DistillationRunConfig,
  mentor: MentorOf | null,
  read: RunReader,
): ReportTable {
  const rows: [string, string | null][] = [
    ['role', config.role === 'mentor' ? 'mentor (trained here)' : 'student'],
    ['task', config.task.name],
    ['arm', config.arm?.name ?? null],
    ['loss', config.arm?.formula ?? 'cross-entropy with the hard labels / references'],
    ['distillation knobs', describeKnobs(config)],
    [
      'trained on',
      config.arm?.sequenceTargets === 'beam'
        ? "the mentor's beam translations (seq-KD)"
        : config.arm?.sequenceTargets === 'closest-beam'
          ? "the mentor's beam hypothesis closest to each reference (seq-inter)"
          : null,
    ],
    ['mentor', mentor?.source ?? null],
    [
      "mentor's outputs",
      config.role === 'student' && config.arm?.distillation
        ? config.mentorLogits === 'cached'
          ? 'computed once and cached beside its model file'
          : "its forward pass compiled into this student's step"
        : null,
    ],
    ['transfer set', describeTransfer(config)],
    ['reuse as a mentor', reuseAsMentor(run, config, read)],
    [
      'bias shift grid',
      config.biasShift
        ? `${config.biasShift.min} … ${config.biasShift.max} in steps of ${config.biasShift.step}`
        : null,
    ],
  ];
  return {
    id: 'run',
    title: `${runName(run)}: what it is`,
    columns: ['', 'value'],
    rows: rows.filter(([, v]) => v !== null).map(([k, v]) => [textCell(k), textCell(v!)]),
  };
}

/** The newest value of a metric (a test metric: the latest evaluation's), or null. */
function latest(read: RunReader, runId: number, metric: string): number | null {
  const { values } = read.curve(runId, metric);
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
  return null;
}

function resultsTable(
  run: RunRecord,
  config: DistillationRunConfig,
  mentor: RunRecord | undefined,
  read: RunReader,
): ReportTable {
  const metrics =
    config.task.name === 'toy-translation'
      ? translationReportMetrics
      : config.transfer?.omitClass === undefined
        ? imageReportMetrics
        : [...imageReportMetrics, ...omittedClassMetrics];
  const ended = !['queued', 'running'].includes(run.status);
  return {
    id: 'results',
    title: ended ? 'Results at the last evaluation' : 'Results at the latest evaluation (live)',
    columns: ['metric', run.label, ...(mentor ? [`mentor: ${mentor.label}`] : [])],
    rows: metrics.map((m) => [
      textCell(metricTitle(m)),
      numberCell(latest(read, run.id, m)),
      ...(mentor ? [numberCell(latest(read, mentor.id, m))] : []),
    ]),
  };
}

const classAccuracy = (matrix: number[][] | null, cls: number) =>
  matrix ? classAccuracyFromConfusion(matrix, cls) : null;

function perClassTable(
  run: RunRecord,
  own: number[][],
  mentor: RunRecord | undefined,
  omitted: number | undefined,
): ReportTable {
  const mentorMatrix = mentor?.result ? confusionFromResult(mentor.result) : null;
  return {
    id: 'per-class',
    title: "Test accuracy of each class (recall: right / examples of that class), beside the mentor's",
    columns: [
      'class',
      'test examples',
      run.label,
      ...(mentorMatrix ? [`mentor: ${mentor!.label}`] : []),
      ...(omitted === undefined ? [] : ['note']),
    ],
    rows: own.map((row, cls) => [
      textCell(String(cls), cls),
      numberCell(row.reduce((s, v) => s + v, 0)),
      numberCell(classAccuracy(own, cls)),
      ...(mentorMatrix ? [numberCell(classAccuracy(mentorMatrix, cls))] : []),
      ...(omitted === undefined
        ? []
        : [textCell(cls === omitted ? 'never in the transfer set (before any bias shift)' : '')]),
    ]),
  };
}

function series(label: string, curve: Curve): ReportSeries {
  const points = thin(curve.steps.map((step, i) => [step, curve.values[i]] as const));
  return { label, x: points.map((p) => p[0]), y: points.map((p) => p[1]) };
}

function besideMentorChart(
  id: string,
  metric: string,
  scale: 'linear' | 'log',
  run: RunRecord,
  mentor: RunRecord | undefined,
  read: RunReader,
): ReportChart | null {
  const own = read.curve(run.id, metric);
  if (own.steps.length === 0) return null;
  const name = metric.replace(/_/g, ' ');
  return {
    id,
    title: mentor ? `${name}: this run beside its mentor` : name,
    x: { label: 'step', scale: 'linear' },
    y: { label: name, scale },
    series: [
      series(run.label, own),
      ...(mentor ? [series(`mentor: ${mentor.label}`, read.curve(mentor.id, metric))] : []),
    ],
  };
}

/** The soft and hard terms as logged, and as they enter the loss: α·[T²]·soft and (1 − α)·hard. */
function lossTermsChart(run: RunRecord, config: DistillationRunConfig, read: RunReader): ReportChart | null {
  const kd = config.arm?.distillation;
  const soft = read.curve(run.id, 'loss_soft');
  if (!kd || soft.steps.length === 0) return null;
  const hard = read.curve(run.id, 'loss_hard');
  const hardAt = new Map(hard.steps.map((step, i) => [step, hard.values[i]]));
  const total = read.curve(run.id, 'loss');
  const lossAt = new Map(total.steps.map((step, i) => [step, total.values[i]]));
  const points = thin(
    soft.steps.flatMap((step, i) => {
      const h = hardAt.get(step);
      const s = soft.values[i];
      return h === undefined || h === null || s === null
        ? []
        : [{ step, soft: s, hard: h, loss: lossAt.get(step) ?? null }];
    }),
  );
  const softWeight = kd.alpha * (kd.squaredTemperature ? kd.temperature ** 2 : 1);
  const x = points.map((p) => p.step);
  const weight = kd.squaredTemperature ? 'α·T²' : 'α';
  return {
    id: 'loss-terms',
    title: `KD loss decomposition (${config.arm!.formula})`,
    x: { label: 'step', scale: 'linear' },
    y: { label: 'loss term', scale: 'log' },
    series: [
      { label: 'soft term D(p_T ‖ q_T)', x, y: points.map((p) => p.soft) },
      { label: 'hard term CE(y, q)', x, y: points.map((p) => p.hard) },
      { label: `${weight} · soft (in the loss)`, x, y: points.map((p) => softWeight * p.soft) },
      { label: '(1 − α) · hard (in the loss)', x, y: points.map((p) => (1 - kd.alpha) * p.hard) },
      { label: 'loss', x, y: points.map((p) => p.loss) },
    ],
  };
}

function omittedChart(run: RunRecord, omitted: number, read: RunReader): ReportChart | null {
  const names: [string, string][] = [
    ['val_accuracy_omitted', `validation ${omitted}s right, no shift`],
    ['test_accuracy_omitted', `test ${omitted}s right, no shift`],
    ['test_accuracy_omitted_shifted', `test ${omitted}s right after the shift chosen on validation`],
  ];
  const drawn = names
    .map(([metric, label]) => ({ label, curve: read.curve(run.id, metric) }))
    .filter((d) => d.curve.steps.length > 0);
  if (drawn.length === 0) return null;
  return {
    id: 'omitted',
    title: `The omitted class ${omitted} over training`,
    x: { label: 'step', scale: 'linear' },
    y: { label: `accuracy on class ${omitted}`, scale: 'linear' },
    series: drawn.map((d) => series(d.label, d.curve)),
  };
}

function notes(config: DistillationRunConfig, mentor: MentorOf | null): string[] {
  const out: string[] = [];
  if (mentor?.run)
    out.push(
      "The mentor's curves are its own training run (its steps and batch size); both are drawn against each run's step.",
    );
  if (mentor && !mentor.run && config.role === 'student')
    out.push(`The mentor (${mentor.source}) has no run in this lab database to draw beside this one.`);
  const omitted = config.transfer?.omitClass;
  if (omitted !== undefined)
    out.push(
      `Class ${omitted} was never in this student's transfer set. At every evaluation its output bias is raised by the shift with the best validation accuracy, and its test accuracy is measured with and without that shift.`,
    );
  return out;
}

export function presentDistillationRun(run: RunRecord, read: RunReader): LabReport {
  const config = distillationRunConfig.parse(run.config);
  const mentor = mentorOf(run, config, read);
  const translation = config.task.name === 'toy-translation';
  const omitted = config.transfer?.omitClass;
  const confusion = run.result ? confusionFromResult(run.result) : null;
  const tables: ReportTable[] = [
    whatTable(run, config, mentor, read),
    resultsTable(run, config, mentor?.run, read),
  ];
  if (confusion) {
    tables.push(
      perClassTable(run, confusion, mentor?.run, omitted),
      confusionTable('confusion', `Test confusion matrix: ${run.label}`, confusion),
    );
  }
  const charts = [
    besideMentorChart(
      'curves',
      translation ? 'val_bleu_greedy' : 'val_accuracy',
      'linear',
      run,
      mentor?.run,
      read,
    ),
    besideMentorChart('val-loss', 'val_loss', 'log', run, mentor?.run, read),
    lossTermsChart(run, config, read),
    omitted === undefined ? null : omittedChart(run, omitted, read),
  ].filter((c): c is ReportChart => c !== null);
  return {
    title: `${run.label}: ${config.role} of a distillation experiment`,
    notes: notes(config, mentor),
    tables,
    charts,
  };
}
