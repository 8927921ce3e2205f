// The desktop app's lab process: the one LabService, in a Node process of its own, started by the
// Electron main process (labHostClient.ts). The main process only relays messages, so a long
// SQLite query (an export, a compare over many runs) never freezes the window, and the lab runs on
// the project's Node 24 like the CLI. Runs go on to worker processes from here, as everywhere.
//
// Environment: LAB_DB (the database, as for the CLI), LAB_TRAINERS (extra trainer modules,
// separated like PATH — the desktop app's `--trainers`).
import { delimiter } from 'node:path';
import { labApiMethods } from '../api/labApi.ts';
import { labApiHandlers } from '../api/labApiTransport.ts';
import { createLabService, type LabService } from '../api/labService.ts';
import { registerTrainerModule } from '../lab/trainers/registry.ts';
import { UserError } from '../userError.ts';
import type { HostReply, HostRequest } from './labHostMessages.ts';

function send(reply: HostReply, then?: () => void): void {
  process.send!(reply, undefined, undefined, then);
}

async function startService(): Promise<LabService> {
  for (const module of (process.env.LAB_TRAINERS ?? '').split(delimiter).filter(Boolean)) {
    await registerTrainerModule(module);
  }
  return createLabService({ dbPath: process.env.LAB_DB || undefined });
}

function serve(service: LabService): void {
  const handlers = labApiHandlers(service);
  service.onProgress((event) => send({ type: 'progress', event }));

  let closing: Promise<void> | undefined;
  /** Cancels what runs (it stays resumable), closes the database, exits. */
  const shutdown = () => {
    closing ??= service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Curriculum Lab: closing the lab failed: ${(error as Error).stack}\n`);
        process.exit(1);
      },
    );
  };

  const answer = async ({ id, method, args }: Extract<HostRequest, { type: 'call' }>) => {
    if (!(labApiMethods as readonly string[]).includes(method) || !Array.isArray(args)) {
      send({ type: 'result', id, ok: false, error: `there is no LabApi method "${String(method)}"` });
      return;
    }
    try {
      send({ type: 'result', id, ok: true, value: await handlers[method](args) });
    } catch (error) {
      send({ type: 'result', id, ok: false, error: (error as Error).message ?? String(error) });
    }
  };

  process.on('message', (request: HostRequest) => {
    if (request.type === 'call') void answer(request);
    else if (request.type === 'close') shutdown();
  });
  // The app went away (quit, crash, kill): nobody can see this lab any more.
  process.on('disconnect', shutdown);
  // Ctrl-C in the terminal that ran `npm start` reaches the whole process group.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  send({ type: 'ready' });
}

if (!process.send) {
  process.stderr.write(
    'main/electron/labHost.ts is the desktop app’s lab process and is started by it (npm start); ' +
      'for the lab without Electron use `npx lab serve`.\n',
  );
  process.exit(2);
}
try {
  serve(await startService());
} catch (error) {
  // Said to the app, which shows it: the person can fix a UserError; anything else is a bug to report.
  const message = error instanceof UserError ? error.message : ((error as Error).stack ?? String(error));
  // Exit once the message is out, or the app would only see the exit.
  send({ type: 'failed', error: message }, () => process.exit(1));
}
