// Progress for browser mode: a WebSocket at /api/progress?token=… (a browser cannot set headers on
// a WebSocket, hence the query string). Each ProgressEvent goes out as one JSON text message. A
// page that loses its socket reconnects with the same token; nothing is replayed — the renderer
// refetches from the database after a reconnect. Pings find connections that died without closing.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LabApi } from '../api/labApi.ts';
import type { RequestGuard } from './requestGuard.ts';

export const progressPath = '/api/progress';

/** A page this far behind (a stalled tab, a dead link not yet noticed) is dropped; it reconnects. */
const maxBufferedBytes = 8 * 1024 * 1024;

export interface ProgressSocketOptions {
  /** How often every connection is pinged; one that has not answered the last ping is dropped. */
  pingIntervalMs?: number;
}

export interface ProgressSockets {
  /** The HTTP server's 'upgrade' handler. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Number of open progress connections (for tests and logs). */
  readonly size: number;
  /** Closes every connection (close frame 1001, then the socket); pages will try to reconnect. */
  close(): void;
}

/** Refuses an upgrade with a plain HTTP answer (a WebSocket client sees the status). */
function refuse(socket: Duplex, status: 403 | 404, reason: string): void {
  const body = JSON.stringify({ ok: false, error: reason });
  const statusText = status === 403 ? 'Forbidden' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function createProgressSockets(
  api: LabApi,
  guard: RequestGuard,
  options: ProgressSocketOptions = {},
): ProgressSockets {
  // Pages send nothing: a small payload limit and no compression keep a hostile client cheap.
  const server = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const answeredPing = new WeakMap<WebSocket, boolean>();

  server.on('connection', (ws: WebSocket) => {
    answeredPing.set(ws, true);
    ws.on('pong', () => answeredPing.set(ws, true));
    const unsubscribe = api.onProgress((event) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBufferedBytes) ws.terminate();
      else ws.send(JSON.stringify(event));
    });
    ws.on('close', unsubscribe);
    // A socket error is followed by 'close'; without a listener it would crash the server.
    ws.on('error', () => ws.terminate());
  });

  const heartbeat = setInterval(() => {
    for (const ws of server.clients) {
      if (!answeredPing.get(ws)) {
        ws.terminate();
        continue;
      }
      answeredPing.set(ws, false);
      ws.ping();
    }
  }, options.pingIntervalMs ?? 15_000);
  heartbeat.unref();

  return {
    upgrade(request, socket, head) {
      const [path, query = ''] = (request.url ?? '/').split('?', 2);
      if (path !== progressPath) {
        refuse(socket, 404, `there is no WebSocket at ${path}: progress is at ${progressPath}?token=<token>`);
        return;
      }
      const refused =
        guard.checkHost(request.headers.host) ??
        guard.checkOrigin(request.headers.origin) ??
        guard.checkToken(new URLSearchParams(query).get('token'));
      if (refused) {
        refuse(socket, 403, refused);
        return;
      }
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    },
    get size() {
      return server.clients.size;
    },
    close() {
      clearInterval(heartbeat);
      for (const ws of server.clients) {
        ws.close(1001, 'the lab server is stopping');
        // A peer that does not answer the close frame is cut off.
        setTimeout(() => ws.terminate(), 1000).unref();
      }
      server.close();
    },
  };
}
