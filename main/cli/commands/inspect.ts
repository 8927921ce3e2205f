// `lab inspect <run>`: one run in full — what reproduces it (trainer, seed, resolved config,
// environment), how it ended (status, the whole reason, step, result), its last checkpoint, and
// every metric: points, first and last value, range, and its curve as a line of text.
import { stringify } from 'yaml';
import { formatValue } from '../../lab/formatValue.ts';
import { latestCheckpoint } from '../../store/artifactStore.ts';
import { getExperiment } from '../../store/experimentStore.ts';
import { metricNames, metricSeries, metricSummary } from '../../store/metricSeries.ts';
import { getRun } from '../../store/runStore.ts';
import { openDatabase, runIdArgument, UsageError, type GlobalOptions } from '../labContext.ts';
import { formatTime, renderTable } from '../reportTable.ts';

const SPARK_WIDTH = 48;
const LEVELS = '▁▂▃▄▅▆▇█';

/**
 * A curve as one line of block characters, downsampled (min/max buckets) to SPARK_WIDTH columns;
 * on a log scale when every value is positive (losses span decades), ' ' where a value is missing.
 */
export function sparkline(values: readonly (number | null)[], width = SPARK_WIDTH): string {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return '';
  const log = finite.every((v) => v > 0);
  const scale = (v: number) => (log ? Math.log10(v) : v);
  const [lo, hi] = [Math.min(...finite.map(scale)), Math.max(...finite.map(scale))];
  const columns = Math.min(width, values.length);
  let line = '';
  for (let c = 0; c < columns; c++) {
    const bucket = values
      .slice(Math.floor((c * values.length) / columns), Math.floor(((c + 1) * values.length) / columns))
      .filter((v): v is number => v !== null && Number.isFinite(v));
    if (bucket.length === 0) {
      line += ' ';
      continue;
    }
    const mean = bucket.reduce((t, v) => t + scale(v), 0) / bucket.length;
    line += LEVELS[hi === lo ? 0 : Math.round(((mean - lo) / (hi - lo)) * (LEVELS.length - 1))];
  }
  return line + (log ? '  (log scale)' : '');
}

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
      `  result       ${
        run.result
          ? Object.entries(run.result)
              .map(([k, v]) => `${k} ${formatValue(v)}`)
              .join(', ')
          : '—'
      }`,
      '',
      'Config (as stored; with the seed it reproduces the run):',
      ...stringify(run.config)
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    ];
    const names = metricNames(lab.db, id);
    if (names.length > 0) {
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
      out.push('', renderTable({ head: ['metric', 'points', 'first', 'last', 'range', 'curve'], rows }));
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    lab.close();
  }
}
