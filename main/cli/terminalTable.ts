// Tables and times for the terminal (cli-table3): lists of experiments, runs, cached ops, and
// the tables of an experiment's report.
import Table from 'cli-table3';

export interface TerminalTable {
  head: string[];
  rows: string[][];
}

export function renderTable(table: TerminalTable): string {
  const rendered = new Table({ head: table.head, style: { head: [], border: [] } });
  rendered.push(...table.rows);
  return rendered.toString();
}

export function formatTime(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
