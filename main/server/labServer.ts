// Browser mode's server: the renderer build the desktop app shows, served over HTTP, and LabApi
// beside it — `POST /api/<method>` (apiRoute.ts) and progress over a WebSocket
// (progressSocket.ts) — behind the per-launch token, the Host check and the Origin check
// (requestGuard.ts). A thin adapter over one LabApi: no lab logic lives here. The protocol is
// described in README.md next to this file.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LabApi } from '../api/labApi.ts';
import { labApiHandlers } from '../api/labApiTransport.ts';
import { handleApiCall, sendJson } from './apiRoute.ts';
import { listen } from './listen.ts';
import { createProgressSockets, progressPath } from './progressSocket.ts';
import { authority, bearerToken, createRequestGuard, isWildcardHost } from './requestGuard.ts';
import { securityHeaders } from './securityHeaders.ts';
import { serveStatic } from './staticFiles.ts';

export interface LabServerOptions {
  api: LabApi;
  /** Where to listen: 127.0.0.1 (this machine only) unless the person asked otherwise. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The per-launch secret every API call and the progress WebSocket must present. */
  token: string;
  /** The renderer's production build (main/paths.ts: rendererDistDirectory). */
  rendererDirectory: string;
  /** Ping interval of progress WebSockets (default 15 s). */
  pingIntervalMs?: number;
}

export interface LabServer {
  /** `http://host:port` without a trailing slash or the token; on a wildcard bind, the loopback URL. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Open progress WebSockets. */
  readonly progressConnections: number;
  /**
   * Stops listening at once (the port is free for a new server when this resolves), closes the
   * progress WebSockets and ends connections. The LabApi behind it is the caller's to close.
   */
  close(): Promise<void>;
}

/** Grace for requests in flight when the server closes; then their connections are cut. */
const closeGraceMs = 2000;

export async function createLabServer(options: LabServerOptions): Promise<LabServer> {
  const { api, host, token, rendererDirectory } = options;
  const handlers = labApiHandlers(api);
  const server = createServer();
  const port = await listen(server, host, options.port);
  const guard = createRequestGuard({ host, port, token });
  const sockets = createProgressSockets(api, guard, { pingIntervalMs: options.pingIntervalMs });
  const localHost = isWildcardHost(host) ? (host === '::' ? '::1' : '127.0.0.1') : host;
  const boundAuthority = authority(localHost, port);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const hostRefused = guard.checkHost(request.headers.host);
    // The CSP names the WebSocket by the authority the browser used; only a checked one.
    const headers = securityHeaders(hostRefused ? boundAuthority : request.headers.host!.toLowerCase());
    const rawUrl = request.url ?? '/';
    const refused = hostRefused ?? guard.checkOrigin(request.headers.origin);
    if (refused) {
      sendJson(response, 403, { ok: false, error: refused }, headers);
      return;
    }
    const urlPath = rawUrl.split('?', 1)[0];
    if (urlPath !== '/api' && !urlPath.startsWith('/api/')) {
      await serveStatic(rendererDirectory, urlPath, request, response, headers);
      return;
    }
    const tokenRefused = guard.checkToken(bearerToken(request.headers.authorization));
    if (tokenRefused) {
      sendJson(response, 403, { ok: false, error: tokenRefused }, headers);
      return;
    }
    if (urlPath === progressPath) {
      const error = `${progressPath} is the progress WebSocket: connect to ws://${boundAuthority}${progressPath}?token=<token>`;
      sendJson(response, 426, { ok: false, error }, { ...headers, Upgrade: 'websocket' });
      return;
    }
    await handleApiCall(handlers, urlPath.slice('/api/'.length), request, response, headers);
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      console.error(
        `lab serve: ${request.method} ${request.url?.split('?', 1)[0]} failed unexpectedly:`,
        error,
      );
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: (error as Error).message });
      else response.destroy();
    });
  });
  server.on('upgrade', (request, socket, head) => sockets.upgrade(request, socket, head));

  let closing: Promise<void> | undefined;
  return {
    url: `http://${boundAuthority}`,
    host,
    port,
    get progressConnections() {
      return sockets.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        sockets.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), closeGraceMs).unref();
      });
      return closing;
    },
  };
}
