// Entry point of a worker process: runs exactly one run and exits. The lab owns the loop —
// steps, evaluation, checkpoints, divergence, cancellation — and the Trainer owns the model.
// A crash here (a native op, an out-of-memory) ends this process only; the parent marks the
// run failed with the reason.
import { performance } from 'node:perf_hooks';
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
  if (spec.resumeFrom) {
    const { header, state } = readCheckpointFile(spec.resumeFrom);
    if (header.runId !== spec.runId) {
      throw new Error(`checkpoint ${spec.resumeFrom} belongs to run ${header.runId}, not run ${spec.runId}`);
    }
    await trainer.restore(state);
    step = header.step;
  }
  await send({ type: 'started', environment: trainer.environment(), fromStep: step });

  const metrics = new MetricBatcher(send, spec.metricIntervalMs ?? 50);
  let lastLoss = Number.NaN;
  let lastValLoss = Number.NaN;
  const diverged = (what: string, value: number) => ({
    type: 'finished' as const,
    status: 'diverged' as const,
    step,
    reason: `${what} became ${value} at step ${step}`,
    result: { diverged_step: step, steps_done: step - 1, final_loss: finite(lastLoss), final_val_loss: null },
  });
  if (step === 0) {
    const evaluation = await trainer.evaluate();
    lastValLoss = evaluation.val_loss;
    metrics.record(0, evaluation);
  }
  let lastYield = performance.now();
  while (step < config.steps) {
    if (cancelRequested) {
      await metrics.flush();
      return { type: 'finished', status: 'cancelled', step, reason: 'cancelled by request', result: {} };
    }
    step++;
    const stepMetrics = await trainer.step();
    if (!Number.isFinite(stepMetrics.loss)) {
      await metrics.flush();
      return diverged('loss', stepMetrics.loss);
    }
    lastLoss = stepMetrics.loss;
    metrics.record(step, stepMetrics);
    if (step % config.evalEvery === 0 || step === config.steps) {
      const evaluation = await trainer.evaluate();
      if (!Number.isFinite(evaluation.val_loss)) {
        await metrics.flush();
        return diverged('validation loss', evaluation.val_loss);
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
        { runId: spec.runId, step, trainer: spec.trainerName, seed: spec.seed },
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
