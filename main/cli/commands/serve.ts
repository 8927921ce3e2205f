// `lab serve`: browser mode. The lab (runs in worker processes, the database) behind an HTTP +
// WebSocket server that also serves the app; the printed URL carries this launch's token, which
// every call needs. This is also how a headless GPU box is used from a laptop. Ctrl-C stops it;
// the experiments it was running stop at their next step and stay resumable.
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { createLabService } from '../../api/labService.ts';
import { openCoordinatorExecutor, queueUrlOption } from '../../queue/coordinatorExecutor.ts';
import { rendererDistDirectory } from '../../paths.ts';
import { createLabServer, type LabServer } from '../../server/labServer.ts';
import { ensureRendererBuild } from '../../server/rendererBuild.ts';
import { authority, isLoopbackHost, isWildcardHost } from '../../server/requestGuard.ts';
import { loadTrainers, UsageError, type GlobalOptions } from '../labContext.ts';

export const defaultPort = 7420;

export interface ServeOptions extends GlobalOptions {
  jobs?: number;
  /** A redis:// URL: experiments started here run on that queue (main/queue/README.md). */
  queue?: string;
  attempts?: number;
  host?: string;
  /** As typed after --port. */
  port?: string;
}

function portOption(text: string | undefined): number {
  if (text === undefined) return defaultPort;
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port needs a port number from 0 to 65535 (0: any free port), got "${text}"`);
  }
  return port;
}

/** Where other machines reach a server bound beyond loopback. */
function remoteUrls(server: LabServer, token: string): string[] {
  const hosts = isWildcardHost(server.host)
    ? Object.values(networkInterfaces())
        .flat()
        .filter((info) => info && !info.internal && info.family === 'IPv4')
        .map((info) => info!.address)
    : [server.host];
  return hosts.map((host) => `http://${authority(host, server.port)}/?token=${token}`);
}

function exposedWarning(server: LabServer): string {
  return [
    `WARNING: listening on ${server.host}, not only on this machine. Anyone who can reach port ${server.port}`,
    'and has the token can run code on this machine through the lab (trainer modules, C ops, experiments).',
    'The token is the only protection: keep the URL secret, and never run a lab server without its token.',
    `Safer for a remote GPU box: keep the default host and tunnel, e.g. ssh -L ${server.port}:127.0.0.1:${server.port} <box>.`,
  ].join('\n');
}

/** Resolves on the first Ctrl-C (or SIGTERM); a second one quits at once. */
export function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals > 1) process.exit(130);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function serveCommand(argument: string | undefined, options: ServeOptions): Promise<number> {
  if (argument !== undefined) {
    throw new UsageError(
      `serve takes no argument (got "${argument}"); its options are --host, --port, --db, --jobs, --queue`,
    );
  }
  const host = options.host ?? '127.0.0.1';
  const port = portOption(options.port);
  await loadTrainers(options);
  // LAB_RENDERER_DIR serves another renderer build (tests use a small stand-in).
  const rendererDirectory = process.env.LAB_RENDERER_DIR || rendererDistDirectory;
  await ensureRendererBuild(rendererDirectory, (line) => process.stderr.write(`${line}\n`));
  // With a queue it is connected (and checked) before the server starts.
  const queued = queueUrlOption(options.queue)
    ? await openCoordinatorExecutor({ ...options, log: (line) => void process.stderr.write(`${line}\n`) })
    : null;
  const service = createLabService({
    dbPath: options.db,
    poolSize: options.jobs,
    executor: queued?.executor,
  });
  const token = randomBytes(32).toString('hex');
  let server: LabServer;
  try {
    server = await createLabServer({ api: service, host, port, token, rendererDirectory });
  } catch (error) {
    await service.close();
    await queued?.close();
    throw error;
  }
  const { databasePath } = await service.info();
  const exposed = !isLoopbackHost(host);
  if (exposed) process.stderr.write(`${exposedWarning(server)}\n\n`);
  // Listening for Ctrl-C before the URL is out: whoever acts on the URL may stop us at once.
  const stop = stopRequested();
  process.stdout.write(
    [
      `Curriculum Lab in browser mode · database ${databasePath}`,
      ...(queued ? [`Experiments run on the queue: ${queued.description}`] : []),
      `Open ${server.url}/?token=${token}`,
      ...(exposed ? remoteUrls(server, token).map((url) => `  from another machine: ${url}`) : []),
      'The token changes every launch. Ctrl-C stops the server; running experiments stay resumable (lab resume <id>).',
      '',
    ].join('\n'),
  );
  await stop;
  process.stderr.write('Stopping: running experiments stop at their next step and stay resumable.\n');
  await server.close();
  await service.close();
  await queued?.close();
  return 0;
}
