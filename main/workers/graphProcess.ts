// A run's compiled functions, for the app's graph view: its trainer is built in a worker process
// exactly as the run builds it (same config, seed, inputs), described, and the process ends. The
// engine never compiles in the main process, which must stay responsive.
import type { Database } from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { resolveRunInputs } from '../lab/runInputs.ts';
import { registerBuiltinTrainers, requireTrainer } from '../lab/trainers/registry.ts';
import type { GraphFunction } from '../lab/views/types.ts';
import type { RunRecord } from '../store/records.ts';
import type { WorkerToMain } from './protocol.ts';
import { forkWorker } from './runProcess.ts';

export async function describeRunGraphs(
  db: Database,
  run: RunRecord,
  options: { workerEntry?: string; timeoutMs?: number } = {},
): Promise<GraphFunction[]> {
  await registerBuiltinTrainers();
  const trainer = requireTrainer(run.trainer);
  const references = Object.fromEntries(
    Object.entries(run.inputs).map(([name, artifactId]) => [name, { artifactId }]),
  );
  const inputs = resolveRunInputs(db, run.experimentId, references);
  if (!inputs.ok) throw new Error(`cannot rebuild run ${run.id} to show its graph: ${inputs.reason}`);
  const scratch = join(dirname(db.name), 'graphs', `run-${run.id}`);
  const child = forkWorker(options.workerEntry);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  return new Promise<GraphFunction[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `building run ${run.id}'s trainer to show its graph took over ${(options.timeoutMs ?? 120_000) / 1000} s`,
        ),
      );
    }, options.timeoutMs ?? 120_000);
    let error: string | null = null;
    child.on('message', (message: WorkerToMain) => {
      if (message.type === 'graphs') {
        clearTimeout(timer);
        resolve(message.functions);
      } else if (message.type === 'error') {
        error = message.message.split('\n').slice(0, 6).join('\n');
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `could not build run ${run.id}'s trainer to show its graph: ${
            error ?? `worker ended (${signal ?? `code ${code}`}) ${stderr.join('').trim().slice(-500)}`
          }`,
        ),
      );
    });
    child.send({
      type: 'describe',
      spec: {
        runId: run.id,
        trainerModuleUrl: trainer.moduleUrl,
        trainerName: run.trainer,
        config: run.config,
        loop: run.loop,
        selection: run.selection,
        seed: run.seed,
        inputs: inputs.resolved,
        checkpointDirectory: join(scratch, 'checkpoints'),
        artifactDirectory: join(scratch, 'artifacts'),
      },
    });
  });
}
