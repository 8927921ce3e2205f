// The messages between the desktop app's main process and its lab process (labHost.ts), over
// Node's IPC channel with structured-clone serialisation. Types only: both sides import them.
import type { LabApiMethod, ProgressEvent } from '../api/labApi.ts';

/** Main process → lab process. */
export type HostRequest =
  | { type: 'call'; id: number; method: LabApiMethod; args: unknown[] }
  /** Stop: running experiments are cancelled (they stay resumable), the database closed. */
  | { type: 'close' };

/** Lab process → main process. */
export type HostReply =
  | { type: 'ready' }
  /** The lab could not start (a database that is not a lab's, a trainer module that does not load). */
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'progress'; event: ProgressEvent };
