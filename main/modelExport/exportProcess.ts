// A run's model exported in a child process, for the app (LabApi.exportModel): rebuilding and
// compiling a network is engine work, which never happens in the main process (it must stay
// responsive; see main/workers/graphProcess.ts). This file imports no engine code; the child
// (exportChild.ts) opens the database, exports, sends the file's bytes back over IPC and exits.
import { join } from 'node:path';
import type { Framework } from '../../engine/io/frameworks.ts';
import { projectRoot } from '../paths.ts';
import { forkWorker } from '../workers/runProcess.ts';
import type { ExportedModel, ModelFormat } from './exportRunModel.ts';

export interface ExportRequest {
  dbPath: string;
  runId: number;
  format: ModelFormat;
  framework?: Framework;
}

export type ExportReply = { ok: true; model: ExportedModel } | { ok: false; error: string };

/** The child's entry in the project's sources (the app's main process may be a bundle elsewhere). */
const childEntry = join(projectRoot, 'main', 'modelExport', 'exportChild.ts');

/** Exports in a child process; rejects with the child's error (a run without a model, …). */
export function exportModelInChild(request: ExportRequest, timeoutMs = 120_000): Promise<ExportedModel> {
  const child = forkWorker(childEntry);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`exporting run ${request.runId}'s model took over ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let reply: ExportReply | null = null;
    child.on('message', (message: ExportReply) => (reply = message));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const done = reply as ExportReply | null;
      if (done?.ok) resolve(done.model);
      else if (done) reject(new Error(done.error));
      else {
        const why = signal ?? `exit ${code}`;
        reject(
          new Error(`the model export process ended (${why}) without a result: ${stderr.join('').trim()}`),
        );
      }
    });
    child.send(request);
  });
}
