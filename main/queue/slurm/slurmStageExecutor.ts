// The coordinator's RunExecutor for Slurm: one advance of an experiment. A run whose array task
// has ended is replayed from its files into the same handler calls a local run makes (its
// checkpoints and artifacts copied under the coordinator's directories), and then forgotten; a
// run that has no task yet gets its spec written for the next stage's job array; a run whose task
// has not ended waits. Once nothing is left to replay, `onIdle` is told, and the command stops the
// experiment until the next advance (it stays resumable: `lab slurm <dir>` again).
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ExecutingRun, RunExecutor, RunExit, RunHandlers, RunSpec } from '../../lab/runExecutor.ts';
import { writeFileAtomically } from '../../workers/atomicFile.ts';
import { readFileSync } from 'node:fs';
import { packedFromBase64, readRunEvents, readRunExit, type SlurmPaths } from './slurmFiles.ts';

export class SlurmStageExecutor implements RunExecutor {
  /** No limit here: Slurm decides how many tasks run at once. */
  readonly size = Number.POSITIVE_INFINITY;
  /** Runs whose specs were written in this advance: the next stage's job array. */
  readonly newTasks: number[] = [];
  /** Runs submitted in an earlier stage whose tasks have not ended. */
  readonly waiting: number[] = [];
  /** Runs whose results were read back in this advance. */
  collected = 0;
  private readonly paths: SlurmPaths;
  private readonly onIdle: () => void;
  private replaying = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(paths: SlurmPaths, onIdle: () => void) {
    this.paths = paths;
    this.onIdle = onIdle;
  }

  run(spec: RunSpec, handlers: RunHandlers): ExecutingRun {
    const exit = readRunExit(this.paths, spec.runId);
    if (exit) {
      this.replaying++;
      const replayed = Promise.resolve().then(() => {
        try {
          return this.replay(spec, handlers, exit);
        } finally {
          this.replaying--;
          this.collected++;
          this.scheduleIdleCheck();
        }
      });
      return { exit: replayed, cancel: () => undefined };
    }
    if (existsSync(this.paths.spec(spec.runId))) this.waiting.push(spec.runId);
    else {
      this.writeSpec(spec);
      this.newTasks.push(spec.runId);
    }
    let resolve!: (exit: RunExit) => void;
    const pending = new Promise<RunExit>((r) => (resolve = r));
    this.scheduleIdleCheck();
    return {
      exit: pending,
      cancel: () =>
        resolve({
          status: 'cancelled',
          reason: `waiting for its Slurm array task (${this.paths.directory}); \`lab slurm ${this.paths.directory}\` collects it once it has ended`,
          step: 0,
          result: null,
        }),
    };
  }

  /** The spec with every path inside the run's directory on the shared filesystem. */
  private writeSpec(spec: RunSpec): void {
    const directory = this.paths.run(spec.runId);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(join(directory, 'inputs'), { recursive: true });
    const inputs = Object.fromEntries(
      Object.entries(spec.inputs).map(([name, input]) => {
        const path = join(directory, 'inputs', `${name}.${input.format}`);
        copyFileSync(input.path, path);
        return [name, { ...input, path }];
      }),
    );
    let resumeFrom: string | undefined;
    if (spec.resumeFrom) {
      resumeFrom = join(directory, 'resume.ckpt');
      copyFileSync(spec.resumeFrom, resumeFrom);
    }
    const local: RunSpec = {
      ...spec,
      inputs,
      resumeFrom,
      checkpointDirectory: join(directory, 'checkpoints'),
      artifactDirectory: join(directory, 'artifacts'),
    };
    writeFileSync(this.paths.spec(spec.runId), `${JSON.stringify(local, null, 2)}\n`);
  }

  private replay(spec: RunSpec, handlers: RunHandlers, exit: RunExit): RunExit {
    const copy = (from: string, directory: string) => {
      const to = join(directory, basename(from));
      return { path: to, bytes: writeFileAtomically(to, [readFileSync(from)]) };
    };
    let lastCheckpoint = -1;
    for (const event of readRunEvents(this.paths, spec.runId)) {
      switch (event.type) {
        case 'started':
          handlers.started?.(event.environment, event.fromStep);
          break;
        case 'metrics':
          handlers.metrics?.(event.names, packedFromBase64(event.packed));
          break;
        case 'checkpoint':
          // Only the newest survives on disk; a finished run's checkpoints are pruned anyway.
          if (event.step > lastCheckpoint && existsSync(event.path)) {
            lastCheckpoint = event.step;
            const { path, bytes } = copy(event.path, spec.checkpointDirectory);
            handlers.checkpoint?.(event.step, path, bytes);
          }
          break;
        case 'artifact': {
          const { path, bytes } = copy(event.artifact.path, spec.artifactDirectory);
          handlers.artifact?.({ ...event.artifact, path, bytes });
          break;
        }
      }
    }
    // Recorded in the lab database now: the run's files on the shared filesystem can go.
    rmSync(this.paths.run(spec.runId), { recursive: true, force: true });
    return exit;
  }

  /** Tells onIdle once the runner has handed over every run it can start and all replays are done. */
  private scheduleIdleCheck(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.replaying === 0 && this.newTasks.length + this.waiting.length > 0) this.onIdle();
    }, 200);
  }
}
