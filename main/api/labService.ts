// The LabApi implemented once, for every transport (Electron IPC, browser mode's HTTP): experiments
// run here through a RunExecutor (the worker pool), results come from the store, and progress is
// fanned out to subscribers with per-run throttling so a fast trainer cannot flood a window.
// Transports are thin adapters over this; none holds lab logic.
import { cancelExperiment, resumeBlocker } from '../lab/cancelExperiment.ts';
import { createExperimentFromDefinition } from '../lab/createExperiment.ts';
import {
  listCurricula,
  readCurriculum,
  saveCurriculum,
  type CurriculaDirectories,
} from '../lab/curricula.ts';
import { runExperiment } from '../lab/experimentRunner.ts';
import { requireKind } from '../lab/kinds/registry.ts';
import { checkDefinition } from '../lab/loadDefinition.ts';
import { labBackend, labBackendName } from '../lab/trainers/engineTrainer.ts';
import { exportableModel } from '../modelExport/exportableModel.ts';
import { exportModelInChild } from '../modelExport/exportProcess.ts';
import type { ProgressEvent, ProgressListener } from '../lab/progress.ts';
import type { RunExecutor } from '../lab/runExecutor.ts';
import { compareRuns } from '../lab/views/compareRuns.ts';
import { experimentSummaries } from '../lab/views/experimentSummaries.ts';
import { metricsCsvHeader, writeExperimentJson, writeMetricsCsv } from '../lab/views/metricsExport.ts';
import { runReport } from '../lab/views/runReport.ts';
import { runSummaries, runSummary } from '../lab/views/runSummaries.ts';
import { curriculaDirectory } from '../paths.ts';
import { latestCheckpoint, runModels } from '../store/artifactStore.ts';
import { defaultDatabasePath, userDataDirectory } from '../store/dataDirectory.ts';
import { listEvents, listRunEvents } from '../store/eventLog.ts';
import { getExperiment, requestExperimentCancel } from '../store/experimentStore.ts';
import { openLabDatabase } from '../store/labDatabase.ts';
import { metricNames, metricSeries } from '../store/metricSeries.ts';
import { listRoadmaps, listRoadmapVersions } from '../store/roadmapStore.ts';
import { getRun, listRuns } from '../store/runStore.ts';
import { loadViewState, saveViewState } from '../store/viewState.ts';
import { queueUrlOption } from '../queue/coordinatorExecutor.ts';
import { parseQueueAddress } from '../queue/queueAddress.ts';
import { QueueExecutor } from '../queue/queueExecutor.ts';
import { describeRunGraphs } from '../workers/graphProcess.ts';
import { WorkerPool } from '../workers/workerPool.ts';
import type { LabApi } from './labApi.ts';
import { labInfo } from './labInfo.ts';

export interface LabServiceOptions {
  dbPath?: string;
  /** Where runs execute (default: the queue, if there is one; else a local worker pool of poolSize processes). */
  executor?: RunExecutor;
  /**
   * A redis:// URL: runs go on that queue for `lab worker`s (main/queue/README.md). Default
   * $LAB_QUEUE, which is how the desktop app uses a queue.
   */
  queue?: string;
  poolSize?: number;
  /** Where runWorker is when the main process is a bundle (see WorkerPool). */
  workerEntry?: string;
  /** Built-in definitions (default: the project's curricula/) and the user's own. */
  curricula?: Partial<CurriculaDirectories>;
  /** Minimum time between two progress events of the same running run. */
  progressIntervalMs?: number;
}

export interface LabService extends LabApi {
  /**
   * Cancels the experiments this service is running (they stay resumable), waits for their
   * runs to stop, then closes the database.
   */
  close(): Promise<void>;
  /** Resolves when the experiments this service is executing have ended (for tests and shutdown). */
  whenIdle(): Promise<void>;
}

export function createLabService(options: LabServiceOptions = {}): LabService {
  const lab = openLabDatabase(options.dbPath ?? defaultDatabasePath());
  const { db } = lab;
  const queueUrl = options.executor ? undefined : queueUrlOption(options.queue);
  // Connects in the background; a queue it cannot use fails each run with the reason.
  const queueExecutor = queueUrl ? new QueueExecutor({ address: parseQueueAddress(queueUrl) }) : undefined;
  const executor =
    options.executor ??
    queueExecutor ??
    new WorkerPool({ size: options.poolSize, workerEntry: options.workerEntry });
  // For the app's status line: whether runs stay here, and on which backend (`--backend`,
  // LAB_BACKEND), or go to `lab worker`s on other machines (each worker has its own).
  const runsOn =
    executor instanceof QueueExecutor
      ? `queue ${executor.address.display}`
      : `this machine (${labBackend()})`;
  const curricula: CurriculaDirectories = {
    builtin: options.curricula?.builtin ?? curriculaDirectory,
    user: options.curricula?.user ?? `${userDataDirectory()}/curricula`,
  };
  const listeners = new Set<ProgressListener>();
  const running = new Map<number, Promise<unknown>>();
  const lastRunEvent = new Map<number, number>();
  // The runner announces a run's progress when its points are committed (every ~100 ms); this
  // only guards against a flood, so it must not drop those beats.
  const interval = options.progressIntervalMs ?? 50;

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
          planComplete: false,
          reason: (error as Error).message,
        }),
      )
      .finally(() => running.delete(experimentId));
    running.set(experimentId, done);
  };

  const collect = async (produce: (write: (text: string) => void) => Promise<void>): Promise<string> => {
    const parts: string[] = [];
    await produce((text) => void parts.push(text));
    return parts.join('');
  };

  return {
    info: async () => ({ ...labInfo(), databasePath: lab.path, runsOn, defaultBackend: labBackend() }),
    listExperiments: async () => experimentSummaries(db),
    async getExperiment(id) {
      const experiment = getExperiment(db, id);
      if (!experiment) return null;
      return {
        experiment,
        report: experiment.report === null ? null : requireKind(experiment.kind).present(experiment.report),
        runs: runSummaries(db, { experimentId: id }),
        events: listEvents(db, id),
      };
    },
    listRuns: async (query) => runSummaries(db, query),
    async getRun(id) {
      const run = getRun(db, id);
      const summary = runSummary(db, id);
      if (!run || !summary) return null;
      const checkpoint = latestCheckpoint(db, id) ?? null;
      const artifacts = runModels(db, id);
      return {
        run,
        summary,
        checkpoint,
        artifacts,
        exportableModel: exportableModel(run, checkpoint, artifacts),
        events: listRunEvents(db, id),
        metricNames: metricNames(db, id),
        report: runReport(db, run),
      };
    },
    async createExperiment(definitionText, fileName, backend) {
      const checked = await checkDefinition(definitionText, fileName);
      if (!checked.ok) return { ok: false, problems: checked.problems };
      // Checked where the runs compute: here, or on the queue's workers (which say why when they cannot).
      const chosen = backend ?? process.env.LAB_BACKEND ?? null;
      if (chosen) (executor instanceof QueueExecutor ? labBackendName : labBackend)(chosen);
      const experiment = createExperimentFromDefinition(lab, checked.definition, chosen);
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
    metricNames: async (runId) => metricNames(db, runId),
    metricSeries: async (runId, name, query) => metricSeries(db, runId, name, query),
    compareRuns: async (query) => compareRuns(db, query),
    async exportMetricsCsv(runIds, names) {
      const runs = runIds.map((id) => {
        const run = getRun(db, id);
        if (!run) throw new Error(`there is no run ${id} in ${lab.path}`);
        return run;
      });
      return collect(async (write) => {
        write(metricsCsvHeader);
        await writeMetricsCsv(db, runs, write, names);
      });
    },
    async exportExperiment(id, format) {
      const experiment = getExperiment(db, id);
      if (!experiment) throw new Error(`there is no experiment ${id} in ${lab.path}`);
      const runs = listRuns(db, id);
      return collect(async (write) => {
        if (format === 'json') return writeExperimentJson(db, experiment, runs, write);
        write(metricsCsvHeader);
        await writeMetricsCsv(db, runs, write);
      });
    },
    async exportModel(runId, format, framework) {
      if (!getRun(db, runId)) throw new Error(`there is no run ${runId} in ${lab.path}`);
      const model = await exportModelInChild({ dbPath: lab.path, runId, format, framework });
      const { bytes, ...rest } = model;
      return { ...rest, base64: Buffer.from(bytes).toString('base64') };
    },
    async describeGraph(runId) {
      const run = getRun(db, runId);
      if (!run) throw new Error(`there is no run ${runId} in ${lab.path}`);
      return describeRunGraphs(db, run, { workerEntry: options.workerEntry });
    },
    listCurricula: () => listCurricula(curricula),
    readCurriculum: async (name) => readCurriculum(curricula, name),
    saveCurriculum: (name, text) => saveCurriculum(curricula, name, text),
    async validateDefinition(definitionText, fileName) {
      const checked = await checkDefinition(definitionText, fileName);
      return checked.ok ? [] : checked.problems;
    },
    listRoadmaps: async () => listRoadmaps(db),
    roadmapVersions: async (name) => listRoadmapVersions(db, name),
    loadViewState: async (key) => loadViewState(db, key),
    saveViewState: async (key, value) => saveViewState(db, key, value),
    async whenIdle() {
      while (running.size > 0) await Promise.all(running.values());
    },
    async close() {
      for (const id of running.keys()) requestExperimentCancel(db, id);
      await this.whenIdle();
      await queueExecutor?.close();
      lab.close();
    },
  };
}
