// Starts the desktop app's lab process (labHost.ts) and talks to it: one message per LabApi call,
// progress pushed back. No Electron import: the main process uses it, and tests drive it in plain
// Node. The lab process runs on the project's Node 24 (node_modules/.bin/node); where that is
// missing (a packaged app), on Electron's own Node (ELECTRON_RUN_AS_NODE).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabApiMethod, ProgressEvent } from '../api/labApi.ts';
import { projectRoot } from '../paths.ts';
import type { HostReply, HostRequest } from './labHostMessages.ts';

/** The lab process's source: forked as it is (Node runs .ts), never bundled. */
export const labHostSource = join(projectRoot, 'main', 'electron', 'labHost.ts');

export interface LabHostOptions {
  /** The Node to run it with (default: the project's, else this process's executable as Node). */
  execPath?: string;
  /** Added to this process's environment (LAB_DB, LAB_TRAINERS). */
  env?: NodeJS.ProcessEnv;
  /** How long close() waits for runs to stop before killing the process. */
  closeTimeoutMs?: number;
}

export interface LabHost {
  /** Resolves once the lab is open; rejects with why it could not start. */
  readonly ready: Promise<void>;
  readonly pid: number | undefined;
  invoke(method: LabApiMethod, args: unknown[]): Promise<unknown>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Called once if the lab process ends without being asked to, with what to tell the person. */
  onUnexpectedExit(listener: (message: string) => void): void;
  /** Stops the lab (running experiments stay resumable) and waits for its process to end. */
  close(): Promise<void>;
}

/** The Node that runs the lab process, and the environment that makes it one. */
export function labHostRuntime(
  root = projectRoot,
  ownExecPath = process.execPath,
): { execPath: string; env: NodeJS.ProcessEnv } {
  const projectNode = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'node.exe' : 'node');
  return existsSync(projectNode)
    ? { execPath: projectNode, env: { ELECTRON_RUN_AS_NODE: undefined } }
    : { execPath: ownExecPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

export function startLabHost(options: LabHostOptions = {}): LabHost {
  const runtime = labHostRuntime();
  const child: ChildProcess = fork(labHostSource, [], {
    execPath: options.execPath ?? runtime.execPath,
    env: { ...process.env, ...runtime.env, ...options.env },
    // Structured clone, as Electron's IPC: undefined, Maps and typed arrays survive the trip.
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const progressListeners = new Set<(event: ProgressEvent) => void>();
  const exitListeners = new Set<(message: string) => void>();
  let nextId = 1;
  let closeRequested = false;
  let exitMessage: string | null = null;

  let markReady: () => void;
  let failReady: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // Callers that never await `ready` learn of a failure from invoke() instead.
  ready.catch(() => {});
  let startFailure: string | null = null;

  child.on('message', (reply: HostReply) => {
    if (reply.type === 'ready') markReady();
    else if (reply.type === 'failed') startFailure = reply.error;
    else if (reply.type === 'progress') progressListeners.forEach((listener) => listener(reply.event));
    else if (reply.type === 'result') {
      const call = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) call?.resolve(reply.value);
      else call?.reject(new Error(reply.error));
    }
  });

  const exited = new Promise<void>((resolve) => {
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exitMessage !== null) return;
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      exitMessage =
        startFailure !== null
          ? `The lab could not start: ${startFailure}`
          : `The lab process ${how}. Restart the app; experiments that were running can be resumed.`;
      failReady(new Error(exitMessage));
      for (const call of pending.values()) call.reject(new Error(exitMessage));
      pending.clear();
      if (!closeRequested) exitListeners.forEach((listener) => listener(exitMessage!));
      resolve();
    };
    child.once('exit', ended);
    // A process that cannot be spawned at all emits 'error' and perhaps no 'exit'.
    child.once('error', (error) => {
      startFailure ??= `cannot start ${options.execPath ?? runtime.execPath}: ${error.message}`;
      if (child.pid === undefined) ended(null, null);
    });
  });

  const send = (request: HostRequest) => child.send(request);

  return {
    ready,
    pid: child.pid,
    async invoke(method, args) {
      await ready;
      if (exitMessage !== null) throw new Error(exitMessage);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        send({ type: 'call', id, method, args });
      });
    },
    onProgress(listener) {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    },
    onUnexpectedExit(listener) {
      exitListeners.add(listener);
    },
    async close() {
      if (exitMessage !== null) return;
      closeRequested = true;
      // A lab still opening listens for 'close' only once it is ready.
      await Promise.race([ready.catch(() => {}), exited]);
      if (child.connected) send({ type: 'close' });
      const timeout = setTimeout(() => child.kill('SIGKILL'), options.closeTimeoutMs ?? 15_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
