// Entry point of a worker process: runs exactly one run and exits. The lab owns the loop —
// steps, evaluation, checkpoints, divergence, cancellation — and the Trainer owns the model.
// A crash here (a native op, an out-of-memory) ends this process only; the parent marks the
// run failed with the reason.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatValue } from '../lab/formatValue.ts';
import type { RunSpec } from '../lab/runExecutor.ts';
import { finalMetricName } from '../lab/runPlan.ts';
import { applyLabComputeSettings } from '../lab/trainers/computeSettings.ts';
import type { EvaluationMetrics, Trainer, TrainerModule } from '../lab/trainers/trainer.ts';
import { writeFileAtomically } from './atomicFile.ts';
import { checkpointPath, readCheckpointFile, writeCheckpointFile } from './checkpointFile.ts';
import { MetricBatcher } from './metricBatcher.ts';
import type { MainToWorker, WorkerToMain } from './protocol.ts';

let cancelRequested = false;

function send(message: WorkerToMain): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send)
      return reject(new Error('runWorker.ts must be started with an IPC channel (child_process.fork)'));
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

/** Lets queued IPC messages (a cancel) in between synchronous training steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function loadTrainer(spec: RunSpec): Promise<{ trainer: Trainer; config: unknown }> {
  // One run per process: its experiment's backend is this process's (labBackend reads it, and
  // says why when this machine cannot compute there).
  if (spec.backend) process.env.LAB_BACKEND = spec.backend;
  applyLabComputeSettings();
  const loaded = (await import(spec.trainerModuleUrl)) as Partial<TrainerModule>;
  const definition = loaded.trainers?.find((t) => t.name === spec.trainerName);
  if (!definition)
    throw new Error(`trainer module ${spec.trainerModuleUrl} has no trainer "${spec.trainerName}"`);
  // The trainer takes its kind's run config: checked here, so a stored config that no longer
  // fits fails at once with what is wrong, not somewhere inside the model.
  return { trainer: definition.create(), config: definition.runConfig.parse(spec.config) };
}

function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** The last evaluation as final metrics: `final_val_loss`, `final_val_accuracy`, … */
function finalMetrics(evaluation: EvaluationMetrics): Record<string, number | null> {
  return Object.fromEntries(Object.entries(evaluation).map(([k, v]) => [finalMetricName(k), finite(v)]));
}

/** Writes what the trainer leaves (a trained model) and announces each file. */
async function saveArtifacts(trainer: Trainer, spec: RunSpec, step: number): Promise<void> {
  for (const artifact of (await trainer.artifacts?.()) ?? []) {
    const path = join(spec.artifactDirectory, `${artifact.name}.${artifact.format}`);
    const bytes = writeFileAtomically(path, [artifact.bytes]);
    await send({
      type: 'artifact',
      artifact: { name: artifact.name, format: artifact.format, path, bytes, step, meta: artifact.meta },
    });
  }
}

async function execute(spec: RunSpec): Promise<Extract<WorkerToMain, { type: 'finished' }>> {
  const { loop, selection } = spec;
  const { trainer, config } = await loadTrainer(spec);
  await trainer.init(config, spec.seed, { loop, inputs: spec.inputs });
  let step = 0;
  // The first value of the selection metric: what divergence is measured against.
  let firstValue: number | undefined;
  if (spec.resumeFrom) {
    const { header, state } = readCheckpointFile(spec.resumeFrom);
    if (header.runId !== spec.runId) {
      throw new Error(`checkpoint ${spec.resumeFrom} belongs to run ${header.runId}, not run ${spec.runId}`);
    }
    await trainer.restore(state);
    step = header.step;
    firstValue = header.firstValLoss;
  }
  await send({ type: 'started', environment: trainer.environment(), fromStep: step });

  const metrics = new MetricBatcher(send, spec.metricIntervalMs ?? 50);
  let lastLoss = Number.NaN;
  const selected = (evaluation: EvaluationMetrics): number => {
    const value = evaluation[selection.name];
    if (value === undefined) {
      throw new Error(
        `trainer ${spec.trainerName} evaluated ${Object.keys(evaluation).join(', ') || 'nothing'} but not ` +
          `${selection.name}, the metric its experiment selects on`,
      );
    }
    return value;
  };
  const diverged = async (reason: string) => {
    // The last good state is kept: a diverged run's model is still what it was before.
    await saveArtifacts(trainer, spec, step);
    return {
      type: 'finished' as const,
      status: 'diverged' as const,
      step,
      reason,
      result: {
        diverged_step: step,
        steps_done: step - 1,
        final_loss: finite(lastLoss),
        [finalMetricName(selection.name)]: null,
      },
    };
  };
  let lastEvaluation: EvaluationMetrics = {};
  // Unknown on a fresh run, and after a resume from a checkpoint written before it was kept
  // (divergence is then measured from where the run resumes).
  if (firstValue === undefined) {
    lastEvaluation = await trainer.evaluate();
    firstValue = selected(lastEvaluation);
    if (step === 0) metrics.record(0, lastEvaluation);
  }
  // A loss that stays finite can still run away (SGD at too large a rate: 4e11 on a problem that
  // starts near 10); such a run must not be averaged as if it had converged. Only a metric that
  // is minimised has a runaway direction; for one that is maximised only non-finite values count.
  const factor = loop.divergenceFactor;
  const base = firstValue;
  const limit =
    factor && selection.goal === 'min' && Number.isFinite(base)
      ? factor * Math.max(1, Math.abs(base))
      : Infinity;
  const divergence = (what: string, value: number, watchRunaway: boolean): string | null =>
    !Number.isFinite(value)
      ? `${what} became ${value} at step ${step}`
      : watchRunaway && value > limit
        ? `${what} ${formatValue(value)} at step ${step} is over ${factor} × max(1, first ${selection.name} ${formatValue(base)}) (training.divergenceFactor)`
        : null;
  let lastYield = performance.now();
  let stoppedEarly: string | null = null;
  while (step < loop.steps) {
    if (cancelRequested) {
      await metrics.flush();
      return { type: 'finished', status: 'cancelled', step, reason: 'cancelled by request', result: {} };
    }
    step++;
    const stepMetrics = await trainer.step();
    const lossDiverged = divergence('loss', stepMetrics.loss, true);
    if (lossDiverged) {
      // A finite runaway value is kept on the curve: it shows the blow-up.
      if (Number.isFinite(stepMetrics.loss)) metrics.record(step, stepMetrics);
      await metrics.flush();
      return diverged(lossDiverged);
    }
    lastLoss = stepMetrics.loss;
    metrics.record(step, stepMetrics);
    if (step % loop.evalEvery === 0 || step === loop.steps) {
      const evaluation = await trainer.evaluate();
      const value = selected(evaluation);
      const valueDiverged = divergence(selection.name, value, selection.goal === 'min');
      if (valueDiverged) {
        if (Number.isFinite(value)) metrics.record(step, evaluation);
        await metrics.flush();
        return diverged(valueDiverged);
      }
      lastEvaluation = evaluation;
      metrics.record(step, evaluation);
      stoppedEarly = trainer.stopReason?.() ?? null;
      if (stoppedEarly) break;
    }
    if (step % loop.checkpointEvery === 0 && step < loop.steps) {
      // Points up to this step reach the main process before the checkpoint is announced, so
      // a checkpoint in the store always has its curve committed up to its step.
      await metrics.flush();
      const path = checkpointPath(spec.checkpointDirectory, step);
      const state = await trainer.checkpoint();
      const bytes = writeCheckpointFile(
        path,
        { runId: spec.runId, step, trainer: spec.trainerName, seed: spec.seed, firstValLoss: base },
        state,
      );
      await send({ type: 'checkpoint', step, path, bytes });
    }
    if (!(await metrics.maybeFlush()) && performance.now() - lastYield > 20) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  await metrics.flush();
  await saveArtifacts(trainer, spec, step);
  trainer.dispose?.();
  return {
    type: 'finished',
    status: 'completed',
    step,
    reason: stoppedEarly,
    result: { final_loss: finite(lastLoss), ...finalMetrics(lastEvaluation), steps_done: step },
  };
}

// The parent is gone (killed app): nobody will record what this run does, so stop.
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group. The parent decides what it means
// (cancel cleanly, or quit — which disconnects us), so a worker must not die of it on its own.
process.on('SIGINT', () => undefined);
/** Builds the trainer as the run would, and reports its compiled functions. */
async function describe(spec: RunSpec): Promise<WorkerToMain> {
  const { trainer, config } = await loadTrainer(spec);
  await trainer.init(config, spec.seed, { loop: spec.loop, inputs: spec.inputs });
  const functions = trainer.describe?.() ?? [];
  trainer.dispose?.();
  return { type: 'graphs', functions };
}

process.on('message', (message: MainToWorker) => {
  if (message.type === 'cancel') {
    cancelRequested = true;
    return;
  }
  (message.type === 'describe' ? describe(message.spec) : execute(message.spec)).then(
    async (finished) => {
      await send(finished);
      process.exit(0);
    },
    async (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      await send({ type: 'error', message: text }).catch(() => undefined);
      process.exit(1);
    },
  );
});
