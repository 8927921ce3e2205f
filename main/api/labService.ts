// The LabApi implemented in the main process (Electron main or the browser-mode server):
// experiments run here through the worker pool, results come from the store, and progress is
// fanned out to subscribers with per-run throttling so a fast trainer cannot flood a window.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cancelExperiment, resumeBlocker } from '../lab/cancelExperiment.ts';
import { createExperimentFromDefinition } from '../lab/createExperiment.ts';
import { checkDefinition } from '../lab/loadDefinition.ts';
import { runExperiment } from '../lab/experimentRunner.ts';
import type { ProgressEvent, ProgressListener } from '../lab/progress.ts';
import { defaultDatabasePath } from '../store/dataDirectory.ts';
import { listEvents } from '../store/eventLog.ts';
import { getExperiment, listExperiments, requestExperimentCancel } from '../store/experimentStore.ts';
import { openLabDatabase } from '../store/labDatabase.ts';
import { metricNames, metricSeries } from '../store/metricSeries.ts';
import { listRuns } from '../store/runStore.ts';
import { curriculaDirectory } from '../paths.ts';
import { WorkerPool } from '../workers/workerPool.ts';
import type { CurriculumFile, LabApi } from './labApi.ts';
import { labInfo } from './labInfo.ts';

export interface LabServiceOptions {
  dbPath?: string;
  poolSize?: number;
  /** Where runWorker is when the main process is a bundle (see WorkerPool). */
  workerEntry?: string;
  curriculaDirectory?: string;
  /** Minimum time between two progress events of the same running run. */
  progressIntervalMs?: number;
}

export interface LabService extends LabApi {
  /**
   * Cancels the experiments this service is running (they stay resumable), waits for their
   * runs to stop, then closes the database.
   */
  close(): Promise<void>;
  /** Resolves when the experiment this service is executing ends (for tests and shutdown). */
  whenIdle(): Promise<void>;
}

export function createLabService(options: LabServiceOptions = {}): LabService {
  const lab = openLabDatabase(options.dbPath ?? defaultDatabasePath());
  const executor = new WorkerPool({ size: options.poolSize, workerEntry: options.workerEntry });
  const curricula = options.curriculaDirectory ?? curriculaDirectory;
  const listeners = new Set<ProgressListener>();
  const running = new Map<number, Promise<unknown>>();
  const lastRunEvent = new Map<number, number>();
  const interval = options.progressIntervalMs ?? 100;

  const publish = (event: ProgressEvent) => {
    if (event.type === 'run' && event.status === 'running') {
      const now = Date.now();
      if (now - (lastRunEvent.get(event.runId) ?? 0) < interval) return;
      lastRunEvent.set(event.runId, now);
    }
    for (const listener of listeners) listener(event);
  };

  const start = (experimentId: number) => {
    const done = runExperiment(experimentId, { lab, executor, onProgress: publish })
      .catch((error: unknown) =>
        publish({
          type: 'experiment',
          experimentId,
          status: 'failed',
          runsFinished: 0,
          runsPlanned: 0,
          reason: (error as Error).message,
        }),
      )
      .finally(() => running.delete(experimentId));
    running.set(experimentId, done);
  };

  const curriculumNames = () =>
    readdirSync(curricula)
      .filter((f) => f.endsWith('.yaml'))
      .sort();

  return {
    info: async () => labInfo(),
    listExperiments: async () => listExperiments(lab.db),
    async getExperiment(id) {
      const experiment = getExperiment(lab.db, id);
      return experiment ? { experiment, runs: listRuns(lab.db, id), events: listEvents(lab.db, id) } : null;
    },
    async createExperiment(definitionText, fileName) {
      const checked = await checkDefinition(definitionText, fileName);
      if (!checked.ok) return { ok: false, problems: checked.problems };
      const experiment = createExperimentFromDefinition(lab, checked.definition);
      start(experiment.id);
      return { ok: true, experimentId: experiment.id };
    },
    async cancelExperiment(id) {
      const outcome = cancelExperiment(lab, id);
      if (outcome.kind === 'not-found') throw new Error(`there is no experiment ${id} in ${lab.path}`);
    },
    async resumeExperiment(id) {
      const blocker = running.has(id) ? `experiment ${id} is already running` : resumeBlocker(lab, id);
      if (blocker) throw new Error(blocker);
      start(id);
    },
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    metricNames: async (runId) => metricNames(lab.db, runId),
    metricSeries: async (runId, name, query) => metricSeries(lab.db, runId, name, query),
    async listCurricula() {
      const files: CurriculumFile[] = [];
      for (const name of curriculumNames()) {
        const checked = await checkDefinition(readFileSync(join(curricula, name), 'utf8'), name);
        files.push(
          checked.ok
            ? { name, title: String(checked.definition.experiment.name), problems: [] }
            : { name, title: null, problems: checked.problems },
        );
      }
      return files;
    },
    async readCurriculum(name) {
      if (basename(name) !== name || !curriculumNames().includes(name)) {
        throw new Error(
          `no curriculum "${name}" in ${curricula}; expected one of ${curriculumNames().join(', ')}`,
        );
      }
      return readFileSync(join(curricula, name), 'utf8');
    },
    async validateDefinition(definitionText, fileName) {
      const checked = await checkDefinition(definitionText, fileName);
      return checked.ok ? [] : checked.problems;
    },
    async whenIdle() {
      while (running.size > 0) await Promise.all(running.values());
    },
    async close() {
      for (const id of running.keys()) requestExperimentCancel(lab.db, id);
      await this.whenIdle();
      lab.close();
    },
  };
}
