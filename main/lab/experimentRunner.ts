// Executes an experiment: plans its runs, hands each to a RunExecutor (the local worker pool, or
// any other place runs execute), streams their metrics into the store, resumes runs that stopped
// part-way, starts a run only once the runs it depends on have finished and the artifacts it
// reads exist, re-plans as runs finish (the report phase starts as soon as an optimizer's tuning
// is done), and summarises at the end. Stateless between calls — everything lives in the
// database — so `resume` is just running it again.
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { latestCheckpoint, pruneCheckpoints, recordArtifact } from '../store/artifactStore.ts';
import { logEvent } from '../store/eventLog.ts';
import {
  claimExperiment,
  finishExperiment,
  getExperiment,
  isCancelRequested,
  recordPlanSize,
} from '../store/experimentStore.ts';
import type { LabDatabase } from '../store/labDatabase.ts';
import { metricSeries } from '../store/metricSeries.ts';
import { MetricWriter } from '../store/metricWriter.ts';
import type { ExperimentRecord, RunRecord } from '../store/records.ts';
import {
  ensureRun,
  finishRun,
  listRuns,
  markRunStarted,
  recordRunInputs,
  recordRunStep,
  truncateRunAfter,
} from '../store/runStore.ts';
import type { LabKind } from './kinds/experimentKind.ts';
import { requireKind } from './kinds/registry.ts';
import type { ProgressListener } from './progress.ts';
import { resolveRunInputs } from './runInputs.ts';
import type { ExecutingRun, RunExecutor, RunExit } from './runExecutor.ts';
import { runDependencies, type RunOutcome, type RunPlan } from './runPlan.ts';
import { registerBuiltinTrainers, requireTrainer } from './trainers/registry.ts';

export interface ExperimentRunnerOptions {
  lab: LabDatabase;
  executor: RunExecutor;
  onProgress?: ProgressListener;
  /** Checkpoints kept per run (older ones are deleted). */
  keepCheckpoints?: number;
  /** How often the database is polled for a cancel request from another process. */
  cancelPollMs?: number;
  /** The kinds experiments may have (default: the lab's own, kinds/registry.ts). */
  kinds?: ReadonlyMap<string, LabKind>;
}

function outcomes(runs: readonly RunRecord[]): Map<string, RunOutcome> {
  const finished = new Map<string, RunOutcome>();
  for (const run of runs) {
    if (run.status === 'completed' || run.status === 'diverged') {
      finished.set(run.planKey, {
        key: run.planKey,
        runId: run.id,
        status: run.status,
        result: run.result ?? {},
      });
    }
  }
  return finished;
}

/**
 * Where a database keeps a run's checkpoints or artifacts: a folder beside the database named
 * after it (lab.db → lab.db.runs/artifacts/run-7). Run ids start at 1 in every database, so two
 * databases in one folder sharing `artifacts/run-1` overwrote each other's optimizers and
 * checkpoints. Files written before this layout stay where their records say they are.
 */
function runDirectory(lab: LabDatabase, what: 'checkpoints' | 'artifacts', runId: number): string {
  return join(`${lab.path}.runs`, what, `run-${runId}`);
}

export function checkpointDirectoryFor(lab: LabDatabase, runId: number): string {
  return runDirectory(lab, 'checkpoints', runId);
}

/** Why runs that were planned never started: the runs they wait for, and how those ended. */
function stalledRuns(
  plans: readonly RunPlan[],
  runs: readonly RunRecord[],
  started: ReadonlySet<string>,
): string[] {
  const byKey = new Map(runs.map((r) => [r.planKey, r]));
  const planned = new Set(plans.map((p) => p.key));
  return plans
    .filter((plan) => !started.has(plan.key))
    .map((plan) => {
      const waits = runDependencies(plan).map((key) => {
        const run = byKey.get(key);
        if (!planned.has(key)) return `${key} (not in the plan)`;
        return run ? `run ${run.id} ${run.label} (${run.status})` : `${key} (never started)`;
      });
      return `run ${plan.label} waits for ${waits.join(', ') || 'nothing it can name'}`;
    });
}

/** Runs (or resumes) experiment `experimentId` to its end; returns its final record. */
export async function runExperiment(
  experimentId: number,
  options: ExperimentRunnerOptions,
): Promise<ExperimentRecord> {
  const { lab, executor, onProgress } = options;
  const { db } = lab;
  const experiment = getExperiment(db, experimentId);
  if (!experiment) throw new Error(`no experiment ${experimentId} in ${lab.path} (see \`lab list\`)`);
  const opened = requireKind(experiment.kind, options.kinds).open(experiment.config);

  // Fail before starting anything if a trainer is missing.
  await registerBuiltinTrainers();
  const trainers = new Set(opened.plan(new Map()).runs.map((r) => r.trainer));
  for (const name of trainers) requireTrainer(name);

  claimExperiment(db, experimentId);
  logEvent(db, {
    experimentId,
    level: 'info',
    message: `experiment started by pid ${process.pid} on ${hostname()}`,
  });
  // A run's progress is announced once its points are committed, so a front end that fetches
  // them on the announcement finds them all (and the run's row shows how far it got).
  const committedProgress = new Map<number, () => void>();
  const writer = new MetricWriter(db, {
    onCommit: () => {
      const announce = [...committedProgress.values()];
      committedProgress.clear();
      for (const emit of announce) emit();
    },
  });
  const inFlight = new Map<string, { executing: ExecutingRun; done: Promise<void> }>();
  const attempted = new Set<string>();
  const failures: string[] = [];
  let cancelled = false;

  const emitExperiment = (
    status: ExperimentRecord['status'],
    planned: number,
    planComplete: boolean,
    reason: string | null,
  ) =>
    onProgress?.({
      type: 'experiment',
      experimentId,
      status,
      runsFinished: outcomes(listRuns(db, experimentId)).size,
      runsPlanned: planned,
      planComplete,
      reason,
    });

  const fail = (run: RunRecord, plan: RunPlan, reason: string) => {
    finishRun(db, run.id, 'failed', reason, null, run.step);
    logEvent(db, {
      experimentId,
      runId: run.id,
      level: 'error',
      message: `run ${plan.label} failed: ${reason}`,
    });
    failures.push(`run ${run.id} (${plan.label}): ${reason}`);
  };

  const execute = (plan: RunPlan): Promise<void> => {
    let run = ensureRun(db, experimentId, { ...plan, planKey: plan.key });
    const inputs = resolveRunInputs(db, experimentId, plan.inputs);
    if (!inputs.ok) {
      fail(run, plan, inputs.reason);
      return Promise.resolve();
    }
    recordRunInputs(db, run.id, inputs.artifactIds);
    const recorded = run.status === 'queued' && run.step === 0 ? undefined : latestCheckpoint(db, run.id);
    // A checkpoint file someone deleted means starting over, not failing the run.
    const checkpoint = recorded && existsSync(recorded.path) ? recorded : undefined;
    // Whatever the run logged after its last checkpoint is recomputed: drop it so the curve joins.
    truncateRunAfter(db, run.id, checkpoint ? checkpoint.step : -1);
    run = { ...run, step: checkpoint?.step ?? 0 };
    if (checkpoint) {
      logEvent(db, {
        experimentId,
        runId: run.id,
        level: 'info',
        message: `resuming from checkpoint at step ${checkpoint.step}`,
      });
    }
    let loss: number | null = null;
    // Per-skill mastery of a roadmap run, for per-skill progress bars.
    const mastery: Record<string, number> = {};
    let step = run.step;
    const emitRun = (status: RunRecord['status'], reason: string | null = null, warning?: string) =>
      onProgress?.({
        type: 'run',
        experimentId,
        runId: run.id,
        label: plan.label,
        phase: plan.phase,
        status,
        step,
        steps: plan.loop.steps,
        loss,
        reason,
        ...(Object.keys(mastery).length > 0 ? { mastery: { ...mastery } } : {}),
        ...(warning && { warning }),
      });
    emitRun('queued');
    const trainer = requireTrainer(plan.trainer);
    const executing = executor.run(
      {
        runId: run.id,
        trainerModuleUrl: trainer.moduleUrl,
        trainerName: plan.trainer,
        config: plan.config,
        loop: plan.loop,
        selection: plan.selection,
        seed: plan.seed,
        inputs: inputs.resolved,
        checkpointDirectory: checkpointDirectoryFor(lab, run.id),
        artifactDirectory: runDirectory(lab, 'artifacts', run.id),
        ...(experiment.backend !== null && { backend: experiment.backend }),
        resumeFrom: checkpoint?.path,
      },
      {
        started(environment, fromStep) {
          markRunStarted(db, run.id, { host: hostname(), ...environment }, fromStep);
          if (environment.warning) {
            logEvent(db, {
              experimentId,
              runId: run.id,
              level: 'warn',
              message: `run ${plan.label}: ${environment.warning}`,
            });
          }
          emitRun('running', null, environment.warning);
        },
        metrics(names, packed) {
          writer.addPacked(run.id, names, packed);
          const lossIndex = names.indexOf('loss');
          for (let i = 0; i < packed.length; i += 4) {
            step = Math.max(step, packed[i + 1]);
            if (packed[i] === lossIndex) loss = packed[i + 3];
            else if (names[packed[i]].startsWith('mastery/'))
              mastery[names[packed[i]].slice(8)] = packed[i + 3];
          }
          committedProgress.set(run.id, () => {
            recordRunStep(db, run.id, step);
            emitRun('running');
          });
        },
        checkpoint(checkpointStep, path, bytes) {
          writer.flush();
          recordArtifact(db, { runId: run.id, kind: 'checkpoint', path, step: checkpointStep, bytes });
          for (const stale of pruneCheckpoints(db, run.id, options.keepCheckpoints ?? 2))
            rmSync(stale, { force: true });
        },
        artifact(written) {
          recordArtifact(db, { runId: run.id, kind: 'model', ...written });
          logEvent(db, {
            experimentId,
            runId: run.id,
            level: 'info',
            message: `run ${plan.label} saved ${written.name} (${written.bytes} bytes) at step ${written.step}`,
          });
        },
      },
    );
    const done = executing.exit.then((exit: RunExit) => {
      writer.flush();
      finishRun(db, run.id, exit.status, exit.reason, exit.result, exit.step);
      // A finished run is never resumed: its checkpoints would only fill the disk.
      if (exit.status === 'completed' || exit.status === 'diverged') {
        for (const stale of pruneCheckpoints(db, run.id, 0)) rmSync(stale, { force: true });
      }
      step = exit.step;
      logEvent(db, {
        experimentId,
        runId: run.id,
        level: exit.status === 'failed' ? 'error' : 'info',
        message: `run ${plan.label} ${exit.status}${exit.reason ? `: ${exit.reason}` : ''}`,
      });
      if (exit.status === 'failed') failures.push(`run ${run.id} (${plan.label}): ${exit.reason}`);
      emitRun(exit.status, exit.reason);
    });
    inFlight.set(plan.key, { executing, done });
    return done.finally(() => inFlight.delete(plan.key));
  };

  const cancelPoll = setInterval(() => {
    if (!cancelled && isCancelRequested(db, experimentId)) {
      cancelled = true;
      for (const { executing } of inFlight.values()) executing.cancel();
    }
  }, options.cancelPollMs ?? 250);

  try {
    let planned = 0;
    for (;;) {
      const runs = listRuns(db, experimentId);
      const finished = outcomes(runs);
      const plan = opened.plan(finished);
      planned = plan.runs.length;
      recordPlanSize(db, experimentId, planned, plan.complete);
      if (!cancelled && failures.length === 0) {
        for (const run of plan.runs) {
          if (finished.has(run.key) || inFlight.has(run.key) || attempted.has(run.key)) continue;
          // A run starts once every run it depends on has finished (its artifacts exist).
          if (!runDependencies(run).every((key) => finished.has(key))) continue;
          attempted.add(run.key);
          void execute(run);
        }
      }
      emitExperiment('running', planned, plan.complete, null);
      if (inFlight.size === 0) {
        const complete = plan.complete && plan.runs.every((r) => finished.has(r.key));
        const report = complete
          ? opened.summarise(finished, (runId, name) => metricSeries(db, runId, name, { maxPoints: 1e9 }))
          : undefined;
        const [status, reason] = cancelled
          ? (['cancelled', 'cancelled by request'] as const)
          : complete
            ? (['completed', null] as const)
            : failures.length > 0
              ? ([
                  'failed',
                  `${failures.length} run(s) failed — fix the cause, then \`lab resume ${experimentId}\`:\n${failures.join('\n')}`,
                ] as const)
              : ([
                  'failed',
                  `runs could not start because what they wait for did not finish (a bug in the kind's plan?):\n` +
                    stalledRuns(plan.runs, runs, new Set([...attempted, ...finished.keys()])).join('\n'),
                ] as const);
        writer.flush();
        finishExperiment(db, experimentId, status, reason, report);
        emitExperiment(status, planned, plan.complete, reason);
        return getExperiment(db, experimentId)!;
      }
      await Promise.race([...inFlight.values()].map((f) => f.done));
    }
  } finally {
    clearInterval(cancelPoll);
    writer.close();
  }
}
