// Live progress in the terminal: one bar per active run plus an experiment bar, redrawn at most
// 10 times a second whatever the rate of metric messages. Without a terminal (CI, a pipe) it
// prints one line per finished run instead.
import cliProgress from 'cli-progress';
import type { ProgressEvent, RunProgress } from '../lab/progress.ts';
import { formatValue } from '../lab/formatValue.ts';

export interface ProgressDisplay {
  update(event: ProgressEvent): void;
  /** Prints a line above the bars (or plainly without a terminal). */
  log(line: string): void;
  stop(): void;
}

function runEndLine(event: RunProgress): string {
  const mark = event.status === 'completed' ? '✓' : event.status === 'diverged' ? '↯' : '✗';
  const detail = event.reason
    ? ` — ${event.reason}`
    : event.loss !== null
      ? ` (loss ${formatValue(event.loss)})`
      : '';
  // A roadmap run's line ends with where each skill got to (a log has no live bars to show it).
  const skills = skillBars(event.mastery);
  return `${mark} run ${event.runId} ${event.label}: ${event.status} at step ${event.step}/${event.steps}${detail}${skills ? ` · ${skills}` : ''}`;
}

/** "add1 █████ add2 ██░░░ add3 ░░░░░": each skill's mastery as a five-cell bar (the first 8 skills). */
export function skillBars(mastery: Record<string, number> | undefined): string {
  const skills = Object.entries(mastery ?? {});
  const bars = skills.slice(0, 8).map(([id, m]) => {
    const filled = Math.round(Math.min(1, Math.max(0, m)) * 5);
    return `${id} ${'█'.repeat(filled)}${'░'.repeat(5 - filled)}`;
  });
  return bars.join(' ') + (skills.length > 8 ? ` +${skills.length - 8} more` : '');
}

/** The line a run's start warning gets (printed once, above the bars). */
export function runWarningLine(event: RunProgress): string | null {
  return event.warning ? `⚠ run ${event.runId} ${event.label}: ${event.warning}` : null;
}

const finishedStatuses = new Set(['completed', 'diverged', 'failed', 'cancelled', 'interrupted']);

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const interactive = stream.isTTY === true;
  if (!interactive) {
    return {
      update(event) {
        if (event.type !== 'run') return;
        const warning = runWarningLine(event);
        if (warning) stream.write(`${warning}\n`);
        if (finishedStatuses.has(event.status)) stream.write(`${runEndLine(event)}\n`);
      },
      log: (line) => void stream.write(`${line}\n`),
      stop() {},
    };
  }
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      fps: 10,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      format: ' {label} |{bar}| {value}/{total} {detail}',
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const experimentBar = multibar.create(1, 0, { label: 'experiment'.padEnd(28), detail: 'planning…' });
  const bars = new Map<number, cliProgress.SingleBar>();
  return {
    update(event) {
      if (event.type === 'experiment') {
        experimentBar.setTotal(Math.max(1, event.runsPlanned));
        const sofar = event.planComplete ? '' : ' (planned so far; more follow)';
        experimentBar.update(event.runsFinished, { detail: `runs finished${sofar} · ${event.status}` });
        return;
      }
      const warning = runWarningLine(event);
      if (warning) multibar.log(`${warning}\n`);
      const label = event.label.slice(0, 28).padEnd(28);
      let bar = bars.get(event.runId);
      if (finishedStatuses.has(event.status)) {
        if (bar) {
          multibar.remove(bar);
          bars.delete(event.runId);
        }
        if (event.status !== 'completed') multibar.log(`${runEndLine(event)}\n`);
        return;
      }
      if (event.status === 'queued') return;
      if (!bar) {
        bar = multibar.create(event.steps, event.step, { label, detail: '' });
        bars.set(event.runId, bar);
      }
      const skills = skillBars(event.mastery);
      bar.update(event.step, {
        label,
        detail: `loss ${formatValue(event.loss)}${skills ? ` · ${skills}` : ''}`,
      });
    },
    log: (line) => multibar.log(`${line}\n`),
    stop: () => multibar.stop(),
  };
}
