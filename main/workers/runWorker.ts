// Entry point of a worker process: runs exactly one run and exits. The lab owns the loop —
// steps, evaluation, checkpoints, divergence, cancellation — and the Trainer owns the model.
// A crash here (a native op, an out-of-memory) ends this process only; the parent marks the
// run failed with the reason.
import { performance } from 'node:perf_hooks';
import { formatValue } from '../lab/formatValue.ts';
import type { Trainer, TrainerModule } from '../lab/trainers/trainer.ts';
import { checkpointPath, readCheckpointFile, writeCheckpointFile } from './checkpointFile.ts';
import { MetricBatcher } from './metricBatcher.ts';
import type { MainToWorker, WorkerRunSpec, WorkerToMain } from './protocol.ts';

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

async function loadTrainer(spec: WorkerRunSpec): Promise<Trainer> {
  const loaded = (await import(spec.trainerModuleUrl)) as Partial<TrainerModule>;
  const definition = loaded.trainers?.find((t) => t.name === spec.trainerName);
  if (!definition)
    throw new Error(`trainer module ${spec.trainerModuleUrl} has no trainer "${spec.trainerName}"`);
  return definition.create();
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

async function execute(spec: WorkerRunSpec): Promise<Extract<WorkerToMain, { type: 'finished' }>> {
  const { config } = spec;
  const trainer = await loadTrainer(spec);
  await trainer.init(config, spec.seed);
  let step = 0;
  let firstValLoss: number | undefined;
  if (spec.resumeFrom) {
    const { header, state } = readCheckpointFile(spec.resumeFrom);
    if (header.runId !== spec.runId) {
      throw new Error(`checkpoint ${spec.resumeFrom} belongs to run ${header.runId}, not run ${spec.runId}`);
    }
    await trainer.restore(state);
    step = header.step;
    firstValLoss = header.firstValLoss;
  }
  await send({ type: 'started', environment: trainer.environment(), fromStep: step });

  const metrics = new MetricBatcher(send, spec.metricIntervalMs ?? 50);
  let lastLoss = Number.NaN;
  let lastValLoss = Number.NaN;
  const diverged = (reason: string) => ({
    type: 'finished' as const,
    status: 'diverged' as const,
    step,
    reason,
    result: { diverged_step: step, steps_done: step - 1, final_loss: finite(lastLoss), final_val_loss: null },
  });
  // Unknown on a fresh run, and after a resume from a checkpoint written before it was kept
  // (divergence is then measured from where the run resumes).
  if (firstValLoss === undefined) {
    const evaluation = await trainer.evaluate();
    lastValLoss = evaluation.val_loss;
    firstValLoss = evaluation.val_loss;
    if (step === 0) metrics.record(0, evaluation);
  }
  // A loss that stays finite can still run away (SGD at too large a rate: 4e11 on a problem that
  // starts near 10); such a run must not be averaged as if it had converged.
  const factor = config.divergenceFactor;
  const limit =
    factor && Number.isFinite(firstValLoss) ? factor * Math.max(1, Math.abs(firstValLoss)) : Infinity;
  const divergence = (what: string, value: number): string | null =>
    !Number.isFinite(value)
      ? `${what} became ${value} at step ${step}`
      : value > limit
        ? `${what} ${formatValue(value)} at step ${step} is over ${factor} × max(1, first validation loss ${formatValue(firstValLoss)}) (training.divergenceFactor)`
        : null;
  let lastYield = performance.now();
  while (step < config.steps) {
    if (cancelRequested) {
      await metrics.flush();
      return { type: 'finished', status: 'cancelled', step, reason: 'cancelled by request', result: {} };
    }
    step++;
    const stepMetrics = await trainer.step();
    const lossDiverged = divergence('loss', stepMetrics.loss);
    if (lossDiverged) {
      // A finite runaway value is kept on the curve: it shows the blow-up.
      if (Number.isFinite(stepMetrics.loss)) metrics.record(step, stepMetrics);
      await metrics.flush();
      return diverged(lossDiverged);
    }
    lastLoss = stepMetrics.loss;
    metrics.record(step, stepMetrics);
    if (step % config.evalEvery === 0 || step === config.steps) {
      const evaluation = await trainer.evaluate();
      const valDiverged = divergence('validation loss', evaluation.val_loss);
      if (valDiverged) {
        if (Number.isFinite(evaluation.val_loss)) metrics.record(step, evaluation);
        await metrics.flush();
        return diverged(valDiverged);
      }
      lastValLoss = evaluation.val_loss;
      metrics.record(step, evaluation);
    }
    if (step % config.checkpointEvery === 0 && step < config.steps) {
      // Points up to this step reach the main process before the checkpoint is announced, so
      // a checkpoint in the store always has its curve committed up to its step.
      await metrics.flush();
      const path = checkpointPath(spec.checkpointDirectory, step);
      const state = await trainer.checkpoint();
      const bytes = writeCheckpointFile(
        path,
        { runId: spec.runId, step, trainer: spec.trainerName, seed: spec.seed, firstValLoss },
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
  trainer.dispose?.();
  return {
    type: 'finished',
    status: 'completed',
    step,
    reason: null,
    result: { final_loss: finite(lastLoss), final_val_loss: finite(lastValLoss), steps_done: step },
  };
}

// The parent is gone (killed app): nobody will record what this run does, so stop.
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal reaches the whole process group. The parent decides what it means
// (cancel cleanly, or quit — which disconnects us), so a worker must not die of it on its own.
process.on('SIGINT', () => undefined);
process.on('message', (message: MainToWorker) => {
  if (message.type === 'cancel') {
    cancelRequested = true;
    return;
  }
  execute(message.spec).then(
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
