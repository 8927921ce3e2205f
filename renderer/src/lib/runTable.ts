// The Runs table's logic, kept out of the component so it is tested on its own: filtering by
// text (plain or a regular expression, over the label, experiment and params), status and kind;
// which params to show as columns (those that differ between the runs in view); sorting.
import type { RunSummary } from '../../../main/api/labApi.ts';

export interface RunFilter {
  text: string;
  regex: boolean;
  statuses: string[];
  kind: string;
}

export const emptyFilter: RunFilter = { text: '', regex: false, statuses: [], kind: '' };

/** The text a run is searched in: label, experiment, phase, trainer and every param as key=value. */
function haystack(run: RunSummary): string {
  const params = Object.entries(run.params).map(([k, v]) => `${k}=${v}`);
  return [run.label, run.experimentName, run.phase, run.trainer, `#${run.id}`, ...params].join(' ');
}

export function filterRuns(
  runs: readonly RunSummary[],
  filter: RunFilter,
): { runs: RunSummary[]; error: string | null } {
  let matches: (run: RunSummary) => boolean = () => true;
  let error: string | null = null;
  const text = filter.text.trim();
  if (text) {
    if (filter.regex) {
      try {
        const pattern = new RegExp(text, 'i');
        matches = (run) => pattern.test(haystack(run));
      } catch (e) {
        error = `not a regular expression: ${(e as Error).message}`;
        matches = () => false;
      }
    } else {
      const words = text.toLowerCase().split(/\s+/);
      matches = (run) => {
        const h = haystack(run).toLowerCase();
        return words.every((w) => h.includes(w));
      };
    }
  }
  const selected = runs.filter(
    (run) =>
      (filter.statuses.length === 0 || filter.statuses.includes(run.status)) &&
      (!filter.kind || run.kind === filter.kind) &&
      matches(run),
  );
  return { runs: selected, error };
}

/** Params whose values differ among these runs — the ones worth a column — most telling first. */
export function varyingParams(runs: readonly RunSummary[], max = 4): string[] {
  const values = new Map<string, Set<string>>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(run.params)) {
      if (!values.has(key)) values.set(key, new Set());
      values.get(key)!.add(JSON.stringify(value));
    }
  }
  const varying = [...values].filter(([, v]) => v.size > 1).map(([key]) => key);
  // Names of things before numbers about them: optimizer.name, then optimizer.lr, …
  const rank = (key: string) => (key.endsWith('.name') ? 0 : key.endsWith('.lr') ? 1 : 2);
  return varying.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, max);
}

export type SortKey =
  | 'id'
  | 'experiment'
  | 'label'
  | 'status'
  | 'progress'
  | 'final'
  | 'best'
  | 'duration'
  | 'seed'
  | `param:${string}`;

export function finalValue(run: RunSummary): number | null {
  return run.result?.[`final_${run.selection.name}`] ?? null;
}

export function duration(run: RunSummary, now: number): number | null {
  if (run.startedAt === null) return null;
  return (run.endedAt ?? (run.status === 'running' ? now : run.startedAt)) - run.startedAt;
}

function sortValue(run: RunSummary, key: SortKey, now: number): string | number | null {
  switch (key) {
    case 'id':
      return run.id;
    case 'experiment':
      return run.experimentName;
    case 'label':
      return run.label;
    case 'status':
      return run.status;
    case 'progress':
      return run.steps > 0 ? run.step / run.steps : 0;
    case 'final':
      return finalValue(run);
    case 'best':
      return run.best;
    case 'duration':
      return duration(run, now);
    case 'seed':
      return run.seed;
    default: {
      const value = run.params[key.slice('param:'.length)];
      return value === undefined || typeof value === 'boolean'
        ? value === undefined
          ? null
          : String(value)
        : value;
    }
  }
}

/** Sorted copy; missing values last whatever the direction. */
export function sortRuns(
  runs: readonly RunSummary[],
  key: SortKey,
  direction: 'asc' | 'desc',
  now = Date.now(),
): RunSummary[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const [x, y] = [sortValue(a, key, now), sortValue(b, key, now)];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y), undefined, { numeric: true });
  });
}
