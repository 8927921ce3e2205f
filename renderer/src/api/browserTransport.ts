// LabApi over HTTP + WebSocket, for browser mode (`lab serve`): each call is a POST to
// /api/<method> with the per-launch token; progress arrives over one WebSocket that reconnects
// by itself (backing off up to 5 s) and tells the app when it is back, so pages can refill their
// charts from the database — nothing streamed while it was down is lost, and nothing is drawn twice.
import type { LabApiTransport } from '../../../main/api/labApiClient.ts';
import type { LabApiMethod, ProgressEvent } from '../../../main/api/labApi.ts';

export type ConnectionState = 'open' | 'reconnecting' | 'closed';

export interface BrowserTransport extends LabApiTransport {
  /** Called with each change of the progress socket's state ('open' again after a reconnect). */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

/** The token from the page address (`?token=…`), kept for this tab and taken out of the address bar. */
export function takeToken(location: Location, history: History, storage: Storage): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem('lab-token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem('lab-token');
}

export class LabRequestError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'LabRequestError';
    this.status = status;
  }
}

export function createBrowserTransport(origin: string, token: string): BrowserTransport {
  const progressListeners = new Set<(event: ProgressEvent) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let socket: WebSocket | null = null;
  let closed = false;
  let retryMs = 250;
  let everOpened = false;

  const setState = (state: ConnectionState) => connectionListeners.forEach((l) => l(state));

  const connect = () => {
    const url = new URL('/api/progress', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      // 'open' after a drop means: refetch what you show.
      if (everOpened) setState('open');
      everOpened = true;
    };
    ws.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as ProgressEvent;
      progressListeners.forEach((l) => l(event));
    };
    ws.onclose = () => {
      if (closed) return;
      setState('reconnecting');
      setTimeout(connect, retryMs);
      retryMs = Math.min(5000, retryMs * 2);
    };
  };

  return {
    async invoke(method: LabApiMethod, args: unknown[]) {
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${method}`, origin), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ args }),
        });
      } catch (error) {
        throw new LabRequestError(
          `the lab server at ${origin} does not answer (${(error as Error).message})`,
          0,
        );
      }
      const body = (await response.json().catch(() => null)) as
        { ok: true; value: unknown } | { ok: false; error: string } | null;
      if (!body)
        throw new LabRequestError(
          `the lab server answered ${response.status} without a body`,
          response.status,
        );
      if (!body.ok) throw new LabRequestError(body.error, response.status);
      return body.value;
    },
    subscribe(listener) {
      progressListeners.add(listener);
      if (!socket) connect();
      return () => progressListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
