// One metric of several runs, live: after the page has drawn what is stored, each progress event
// of one of the runs fetches that run's points stored since the last one it drew (by step range,
// from the database), so nothing is skipped or drawn twice, whatever events were throttled away.
import { onBeforeUnmount, type Ref } from 'vue';
import { useLabStore } from '../stores/lab.ts';

export interface LiveAppend {
  runId: number;
  steps: number[];
  wallTimes: number[];
  values: (number | null)[];
}

export function useLiveMetric(
  runIds: Ref<number[]>,
  metric: Ref<string>,
  onAppend: (append: LiveAppend) => void,
) {
  const lab = useLabStore();
  const lastStep = new Map<number, number>();
  const busy = new Set<number>();
  const pending = new Set<number>();

  /** Where each run's drawn curve ends (call after drawing what was stored). */
  function drawnUpTo(ends: ReadonlyMap<number, number>) {
    lastStep.clear();
    for (const [id, step] of ends) lastStep.set(id, step);
  }

  async function grow(runId: number): Promise<void> {
    if (busy.has(runId)) {
      pending.add(runId);
      return;
    }
    busy.add(runId);
    const name = metric.value;
    const from = (lastStep.get(runId) ?? -1) + 1;
    const more = await lab.call((api) =>
      api.metricSeries(runId, name, { fromStep: from, maxPoints: 100_000 }),
    );
    busy.delete(runId);
    if (more && more.steps.length > 0 && name === metric.value && lastStep.has(runId)) {
      lastStep.set(runId, more.steps.at(-1)!);
      onAppend({ runId, steps: more.steps, wallTimes: more.wallTimes, values: more.values });
    }
    if (pending.delete(runId)) void grow(runId);
  }

  const stop = lab.onProgress((event) => {
    if (event.type === 'run' && runIds.value.includes(event.runId)) void grow(event.runId);
  });
  onBeforeUnmount(stop);
  return { drawnUpTo };
}
