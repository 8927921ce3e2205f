// The metrics a roadmap run's views draw (each skill's mastery, the teacher's probabilities),
// live: loaded once, then reloaded whole — at most once a second — while the run reports
// progress, and after a reconnect. Whole reloads keep it simple and correct: these are
// evaluation-rate series (a few hundred points each), decimated by the store beyond that.
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import type { StepSeries } from '../lib/roadmapRun.ts';
import { useLabStore } from '../stores/lab.ts';

/** mastery/<skill>, mastered/<skill>, teacher/p/<skill>. */
const drawn = /^(mastery|mastered|teacher\/p)\//;

export function useRoadmapRunMetrics(runId: Ref<number>) {
  const lab = useLabStore();
  const series = shallowRef<ReadonlyMap<string, StepSeries>>(new Map());
  const loaded = ref(false);
  let loading = false;
  let again = false;

  async function load(): Promise<void> {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    const id = runId.value;
    const names = ((await lab.call((api) => api.metricNames(id))) ?? []).filter((name) => drawn.test(name));
    const fetched = await Promise.all(
      names.map((name) => lab.call((api) => api.metricSeries(id, name, { maxPoints: 600 }))),
    );
    if (id === runId.value) {
      series.value = new Map(
        fetched.flatMap((s) => (s ? [[s.name, { steps: s.steps, values: s.values }] as const] : [])),
      );
      loaded.value = true;
    }
    loading = false;
    if (again) {
      again = false;
      void load();
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = lab.onProgress((event) => {
    if (event.type !== 'run' || event.runId !== runId.value || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void load();
    }, 1000);
  });
  watch(
    runId,
    () => {
      loaded.value = false;
      void load();
    },
    { immediate: true },
  );
  watch(
    () => lab.reconnects,
    () => void load(),
  );
  onBeforeUnmount(() => {
    stop();
    clearTimeout(timer);
  });
  return { series, loaded };
}
