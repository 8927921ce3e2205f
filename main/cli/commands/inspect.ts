// `lab inspect <run>`: one run in full — what reproduces it (trainer, seed, resolved config,
// environment), how it ended (status, the whole reason, step, result), its last checkpoint, and
// every metric: points, first and last value, range, and its curve as a line of text (a matrix
// stored cell by cell as one line); then the
// run as its kind sees it (ExperimentKind.presentRun), where the kind has such a view.
import { stringify } from 'yaml';
import { formatValue } from '../../lab/formatValue.ts';
import { matrixOfCell } from '../../lab/matrixCells.ts';
import { runReport } from '../../lab/views/runReport.ts';
import { getArtifact, latestCheckpoint, runModels } from '../../store/artifactStore.ts';
import { getExperiment } from '../../store/experimentStore.ts';
import { metricNames, metricSeries, metricSummary } from '../../store/metricSeries.ts';
import { getRun } from '../../store/runStore.ts';
import { openDatabase, runIdArgument, UsageError, type GlobalOptions } from '../labContext.ts';
import { renderLabReport } from '../renderReport.ts';
import { SPARK_WIDTH, sparkline } from '../sparkline.ts';
import { formatTime, renderTable } from '../terminalTable.ts';

/** How many of `names` there are of each. */
function countBy(names: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** Final values, a matrix's cells (a confusion matrix's hundred counts) folded into a count. */
function resultLine(result: Record<string, number | null>): string {
  const entries = Object.entries(result);
  const values = entries
    .filter(([name]) => matrixOfCell(name) === null)
    .map(([name, v]) => `${name} ${formatValue(v)}`);
  const matrices = [...countBy(entries.flatMap(([name]) => matrixOfCell(name) ?? []))].map(
    ([matrix, cells]) => `${matrix} (${cells} matrix cells)`,
  );
  return [...values, ...matrices].join(', ');
}

const indented = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);

export function inspectCommand(idText: string | undefined, options: GlobalOptions): number {
  const id = runIdArgument(idText, 'inspect');
  const lab = openDatabase(options);
  try {
    const run = getRun(lab.db, id);
    if (!run)
      throw new UsageError(`there is no run ${id} in ${lab.path} (\`lab show <experiment>\` lists runs)`);
    const experiment = getExperiment(lab.db, run.experimentId);
    const checkpoint = latestCheckpoint(lab.db, id);
    const out: string[] = [
      `Run ${id}: ${run.label} — experiment ${run.experimentId}${experiment ? ` (${experiment.name})` : ''}, ${run.phase}`,
      `  status       ${run.status} at step ${run.step}/${run.steps}`,
      ...(run.reason ? [`  reason       ${run.reason.split('\n').join('\n               ')}`] : []),
      `  trainer      ${run.trainer}, seed ${run.seed}`,
      `  environment  ${
        run.environment
          ? `${run.environment.backend}/${run.environment.device} on ${run.environment.host}, engine ${run.environment.engineVersion}`
          : '— (never started)'
      }`,
      `  times        created ${formatTime(run.createdAt)} · started ${formatTime(run.startedAt)} · ended ${formatTime(run.endedAt)} UTC`,
      `  checkpoint   ${checkpoint ? `step ${checkpoint.step}, ${checkpoint.bytes} bytes: ${checkpoint.path}` : '—'}`,
      ...Object.entries(run.inputs).map(([name, artifactId]) => {
        const artifact = getArtifact(lab.db, artifactId);
        const what = artifact
          ? `${artifact.name} of run ${artifact.runId}: ${artifact.path}`
          : 'no longer recorded';
        return `  input        ${name} ← artifact ${artifactId} (${what})`;
      }),
      ...runModels(lab.db, id).map(
        (a) =>
          `  artifact     ${a.name} (id ${a.id}, ${a.format}, ${a.bytes} bytes, step ${a.step}): ${a.path}`,
      ),
      `  result       ${run.result ? resultLine(run.result) : '—'}`,
      '',
      'Config (as stored; with the seed and the loop it reproduces the run):',
      ...indented(stringify(run.config)),
      `Loop (selects on ${run.selection.name}, ${run.selection.goal === 'min' ? 'lower' : 'higher'} is better):`,
      ...indented(stringify(run.loop)),
    ];
    const allNames = metricNames(lab.db, id);
    const names = allNames.filter((name) => matrixOfCell(name) === null);
    const matrices = countBy(
      allNames.filter((name) => matrixOfCell(name) !== null).map((n) => matrixOfCell(n)!),
    );
    if (allNames.length > 0) {
      const rows = names.map((name) => {
        const s = metricSummary(lab.db, id, name)!;
        const curve = metricSeries(lab.db, id, name, { maxPoints: SPARK_WIDTH }).values;
        return [
          name,
          String(s.points),
          `${formatValue(s.first.value)} @ ${s.first.step}`,
          `${formatValue(s.last.value)} @ ${s.last.step}`,
          `${formatValue(s.min)} … ${formatValue(s.max)}`,
          sparkline(curve),
        ];
      });
      for (const [matrix, cells] of matrices)
        rows.push([
          `${matrix}_<row>_<column>`,
          `${cells} cells`,
          '',
          '',
          '',
          '(a matrix, one metric per cell)',
        ]);
      out.push('', renderTable({ head: ['metric', 'points', 'first', 'last', 'range', 'curve'], rows }));
    }
    // The run as its kind sees it (a student beside its mentor, its confusion matrix, …).
    const view = runReport(lab.db, run);
    if (view) out.push('', renderLabReport(view));
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    lab.close();
  }
}
