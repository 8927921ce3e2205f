// Experiments and runs as the Runs page shows them, kept live: a run's progress event updates its
// row in place (status, step), anything new (a run planned, an experiment finished) reloads the
// lists at most twice a second, and a reconnect reloads them from the database.
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { ExperimentSummary, ProgressEvent, RunSummary } from '../../../main/api/labApi.ts';
import { useLabStore } from './lab.ts';

export const useRunsStore = defineStore('runs', () => {
  const lab = useLabStore();
  const experiments = shallowRef<ExperimentSummary[]>([]);
  const runs = shallowRef<RunSummary[]>([]);
  const loaded = ref(false);
  /** The latest training loss of running runs (from progress events). */
  const liveLoss = ref<Record<number, number | null>>({});
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  let subscribed = false;

  async function reload(): Promise<void> {
    const [e, r] = await Promise.all([
      lab.call((api) => api.listExperiments()),
      lab.call((api) => api.listRuns()),
    ]);
    if (e) experiments.value = e;
    if (r) runs.value = r;
    loaded.value = true;
  }

  function scheduleReload(): void {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = undefined;
      void reload();
    }, 500);
  }

  function apply(event: ProgressEvent): void {
    if (event.type === 'experiment') {
      scheduleReload();
      return;
    }
    const index = runs.value.findIndex((r) => r.id === event.runId);
    if (index < 0 || runs.value[index].status !== event.status) {
      scheduleReload();
      if (index < 0) return;
    }
    const updated = [...runs.value];
    updated[index] = { ...updated[index], status: event.status, step: event.step, reason: event.reason };
    runs.value = updated;
    if (event.loss !== null) liveLoss.value = { ...liveLoss.value, [event.runId]: event.loss };
  }

  function start(): void {
    if (subscribed) return;
    subscribed = true;
    void reload();
    lab.onProgress(apply);
    watch(
      () => lab.reconnects,
      () => void reload(),
    );
  }

  return { experiments, runs, loaded, liveLoss, reload, start };
});
