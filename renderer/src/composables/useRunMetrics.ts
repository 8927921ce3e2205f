// Every metric of one run, live: loaded once (downsampled by the store to about the chart's
// width), then grown by the points stored since, whenever the run reports progress. Points are
// fetched by step range from the database, so a missed progress event or a dropped connection
// costs nothing: the next fetch starts where the last one ended, and a reconnect reloads.
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import type { MetricSeries } from '../../../main/api/labApi.ts';
import { useLabStore } from '../stores/lab.ts';

export interface MetricAppend {
  name: string;
  steps: number[];
  wallTimes: number[];
  values: (number | null)[];
}

export function useRunMetrics(runId: Ref<number>, onAppend: (append: MetricAppend) => void) {
  const lab = useLabStore();
  const series = shallowRef<MetricSeries[]>([]);
  const loading = ref(true);
  const lastStep = new Map<string, number>();
  let fetching = false;
  let again = false;

  async function load(): Promise<void> {
    loading.value = true;
    const id = runId.value;
    const names = (await lab.call((api) => api.metricNames(id))) ?? [];
    const loaded = await Promise.all(
      names.map((name) => lab.call((api) => api.metricSeries(id, name, { maxPoints: 1000 }))),
    );
    if (id !== runId.value) return;
    series.value = loaded.filter((s): s is MetricSeries => s !== undefined);
    lastStep.clear();
    for (const s of series.value) lastStep.set(s.name, s.steps.at(-1) ?? -1);
    loading.value = false;
  }

  /** Fetches what was stored after the last point of each metric (and metrics that appeared since). */
  async function grow(): Promise<void> {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    const id = runId.value;
    const names = (await lab.call((api) => api.metricNames(id))) ?? [];
    const fresh = names.filter((n) => !lastStep.has(n));
    if (fresh.length > 0) {
      await load();
    } else {
      for (const name of names) {
        const from = (lastStep.get(name) ?? -1) + 1;
        const more = await lab.call((api) =>
          api.metricSeries(id, name, { fromStep: from, maxPoints: 100_000 }),
        );
        if (!more || more.steps.length === 0 || id !== runId.value) continue;
        lastStep.set(name, more.steps.at(-1)!);
        onAppend({ name, steps: more.steps, wallTimes: more.wallTimes, values: more.values });
      }
    }
    fetching = false;
    if (again) {
      again = false;
      void grow();
    }
  }

  const stop = lab.onProgress((event) => {
    if (event.type === 'run' && event.runId === runId.value) void grow();
  });
  watch(runId, () => void load(), { immediate: true });
  watch(
    () => lab.reconnects,
    () => void load(),
  );
  onBeforeUnmount(stop);
  return { series, loading, reload: load };
}
