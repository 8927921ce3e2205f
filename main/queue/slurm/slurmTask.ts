// What one Slurm array task does: execute the run its index names, with the lab's own run worker
// in a child process, appending every report to the run's events file and writing how it ended
// last. A task that Slurm stops (time limit, preemption with --requeue) and starts again resumes
// from the newest checkpoint in the run's directory; the metric points it repeats replace
// themselves when the coordinator records them (keyed by run, metric and step).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunExit, RunSpec } from '../../lab/runExecutor.ts';
import { UserError } from '../../userError.ts';
import { writeFileAtomically } from '../../workers/atomicFile.ts';
import { readCheckpointFile } from '../../workers/checkpointFile.ts';
import { startRunProcess } from '../../workers/runProcess.ts';
import { packedToBase64, slurmPaths, type SlurmRunEvent } from './slurmFiles.ts';

/** The newest checkpoint file of `runId` in `directory` that reads back, or undefined. */
function newestCheckpoint(directory: string, runId: number): string | undefined {
  if (!existsSync(directory)) return undefined;
  const files = readdirSync(directory)
    .filter((name) => /^step-\d+\.ckpt$/.test(name))
    .sort()
    .reverse();
  for (const name of files) {
    const path = join(directory, name);
    try {
      if (readCheckpointFile(path).header.runId === runId) return path;
    } catch {
      // A checkpoint that does not read back is skipped; an older one may.
    }
  }
  return undefined;
}

/** Executes task `index` of the stage in `stageDirectory`; resolves to how the run ended. */
export async function runSlurmTask(stageDirectory: string, index: number): Promise<RunExit> {
  const tasksFile = join(stageDirectory, 'tasks.json');
  if (!existsSync(tasksFile)) {
    throw new UserError(
      `${stageDirectory} has no tasks.json: give the stage directory the job array was written for`,
    );
  }
  const runIds = JSON.parse(readFileSync(tasksFile, 'utf8')) as number[];
  const runId = runIds[index];
  if (runId === undefined) {
    throw new UserError(`task ${index} is not in ${tasksFile} (it has tasks 0 to ${runIds.length - 1})`);
  }
  const paths = slurmPaths(join(stageDirectory, '..'));
  const finished = paths.exit(runId);
  if (existsSync(finished)) return JSON.parse(readFileSync(finished, 'utf8')) as RunExit;

  const spec = JSON.parse(readFileSync(paths.spec(runId), 'utf8')) as RunSpec;
  const resumeFrom = newestCheckpoint(spec.checkpointDirectory, runId) ?? spec.resumeFrom;
  mkdirSync(spec.checkpointDirectory, { recursive: true });
  const record = (event: SlurmRunEvent) => appendFileSync(paths.events(runId), `${JSON.stringify(event)}\n`);
  const host = process.env.SLURMD_NODENAME || hostname();
  const running = startRunProcess(
    { ...spec, resumeFrom },
    {
      started: (environment, fromStep) =>
        record({ type: 'started', environment: { ...environment, host }, fromStep }),
      metrics: (names, packed) => record({ type: 'metrics', names, packed: packedToBase64(packed) }),
      checkpoint: (step, path, bytes) => record({ type: 'checkpoint', step, path, bytes }),
      artifact: (artifact) => record({ type: 'artifact', artifact }),
    },
  );
  const exit = await running.exit;
  writeFileAtomically(finished, [Buffer.from(JSON.stringify(exit))]);
  return exit;
}
