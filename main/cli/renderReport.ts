// An experiment's report for the terminal: the kind's tables as boxed tables, each chart's series
// as a line of text (its curve and its last value), and the notes. The same LabReport the app
// draws, so the CLI and the app never disagree about what an experiment concluded.
import { formatValue } from '../lab/formatValue.ts';
import { requireKind } from '../lab/kinds/registry.ts';
import type { LabReport, ReportCell, ReportChart, ReportTable } from '../lab/report/labReport.ts';
import type { ExperimentRecord } from '../store/records.ts';
import { sparkline } from './sparkline.ts';
import { renderTable } from './terminalTable.ts';

export function formatCell(cell: ReportCell): string {
  switch (cell.type) {
    case 'text':
      return cell.text;
    case 'number':
      return formatValue(cell.value);
    case 'interval':
      return cell.halfWidth === null
        ? formatValue(cell.mean)
        : `${formatValue(cell.mean)} ± ${formatValue(cell.halfWidth)}`;
  }
}

function renderReportTable(table: ReportTable): string {
  return `${table.title}\n${renderTable({ head: table.columns, rows: table.rows.map((row) => row.map(formatCell)) })}`;
}

function renderChart(chart: ReportChart): string {
  const rows = chart.series.map((series) => {
    const last = [...series.y].reverse().find((v) => v !== null) ?? null;
    return [
      series.label,
      sparkline(series.y),
      `${formatValue(last)} @ ${series.x[series.x.length - 1] ?? '—'}`,
    ];
  });
  return `${chart.title}\n${renderTable({ head: ['', `${chart.y.label} over ${chart.x.label}`, 'last'], rows })}`;
}

export function renderLabReport(report: LabReport): string {
  const parts = [...report.tables.map(renderReportTable), ...report.charts.map(renderChart)];
  return [report.title, ...parts, report.notes.map((note) => `· ${note}`).join('\n')].join('\n\n');
}

/** The experiment's report, or a sentence saying why there is none yet. */
export function renderReport(experiment: ExperimentRecord): string {
  if (experiment.report === null) {
    return `(no report yet: experiment ${experiment.id} is ${experiment.status}${
      experiment.status === 'completed' ? '' : `; \`lab resume ${experiment.id}\` continues it`
    })`;
  }
  return renderLabReport(requireKind(experiment.kind).present(experiment.report));
}
