// One run in one child process: fork it, stream its messages to handlers, cancel it (politely,
// then SIGKILL), and turn however it ended — a message, a signal, an exit code — into a status
// and a reason a person can act on.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutingRun, RunExit, RunHandlers, RunSpec } from '../lab/runExecutor.ts';
import { userCacheDirectory } from '../store/dataDirectory.ts';
import type { WorkerToMain } from './protocol.ts';

/** The worker's entry: this source file, unless a bundle (Electron) ships it elsewhere. */
export const defaultWorkerEntry = fileURLToPath(new URL('./runWorker.ts', import.meta.url));
const compileCacheDirectory = join(userCacheDirectory(), 'node-compile-cache');

export interface RunningProcess extends ExecutingRun {
  readonly pid: number | undefined;
}

const crashSignals = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT']);
const stderrLinesKept = 12;

function failureReason(
  code: number | null,
  signal: NodeJS.Signals | null,
  error: string | null,
  stderr: string[],
): string {
  const how =
    signal !== null
      ? `worker process was killed by ${signal}${crashSignals.has(signal) ? ' (a crash in native code?)' : ''}`
      : `worker process exited with code ${code}`;
  const detail = error ?? (stderr.length > 0 ? `last output:\n${stderr.join('\n')}` : null);
  return detail ? `${how}: ${detail}` : how;
}

/** A clean Node process running the worker entry, with an IPC channel and piped stderr. */
export function forkWorker(workerEntry = defaultWorkerEntry): ChildProcess {
  return fork(workerEntry, [], {
    execPath: process.execPath,
    // Node's on-disk compile cache keeps the type-stripped, compiled engine modules between
    // runs: importing the engine drops from ~200 ms to ~50 ms, which matters at one process per run.
    env: { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? compileCacheDirectory },
    // Not the parent's flags (a test runner's loaders, an inspector port): a clean Node.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
}

export function startRunProcess(
  spec: RunSpec,
  handlers: RunHandlers,
  options: { cancelGraceMs?: number; workerEntry?: string } = {},
): RunningProcess {
  const child = forkWorker(options.workerEntry);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    stderr.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
    stderr.splice(0, Math.max(0, stderr.length - stderrLinesKept));
  });

  let finished: Extract<WorkerToMain, { type: 'finished' }> | null = null;
  let reportedError: string | null = null;
  let lastStep = 0;
  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;

  child.on('message', (message: WorkerToMain) => {
    switch (message.type) {
      case 'started':
        lastStep = message.fromStep;
        handlers.started?.(message.environment, message.fromStep);
        break;
      case 'metrics':
        for (let i = 1; i < message.packed.length; i += 4) lastStep = Math.max(lastStep, message.packed[i]);
        handlers.metrics?.(message.names, message.packed);
        break;
      case 'checkpoint':
        handlers.checkpoint?.(message.step, message.path, message.bytes);
        break;
      case 'artifact':
        handlers.artifact?.(message.artifact);
        break;
      case 'finished':
        finished = message;
        break;
      case 'error':
        reportedError = message.message.split('\n').slice(0, 8).join('\n');
        break;
    }
  });

  const exit = new Promise<RunExit>((resolve) => {
    let settled = false;
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      if (finished) {
        resolve({
          status: finished.status,
          reason: finished.reason,
          step: finished.step,
          result: finished.result,
        });
      } else if (cancelled) {
        resolve({
          status: 'cancelled',
          reason: 'cancelled by request (the worker was stopped)',
          step: lastStep,
          result: null,
        });
      } else {
        resolve({
          status: 'failed',
          reason: failureReason(code, signal, reportedError, stderr),
          step: lastStep,
          result: null,
        });
      }
    };
    // 'close', not 'exit': 'exit' can arrive before the last IPC messages (the 'finished'
    // report) have been delivered, which made a completed run look like a worker that quit.
    child.on('close', settle);
    child.on('error', (error) => {
      reportedError = `could not run the worker process: ${error.message}`;
      settle(null, null);
    });
  });

  child.send({ type: 'start', spec });

  return {
    pid: child.pid,
    exit,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      if (child.connected) child.send({ type: 'cancel' });
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.cancelGraceMs ?? 5000);
    },
  };
}
