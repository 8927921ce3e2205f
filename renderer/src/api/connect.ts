// How this page reaches the lab: the desktop app's preload exposes LabApi as window.lab; in browser
// mode the page was opened from `lab serve`'s URL with a token, and calls go over HTTP. Anything
// else (the bundle opened as a file, a link without its token) has no lab, and says so.
import { createLabApiClient } from '../../../main/api/labApiClient.ts';
import type { LabApi } from '../../../main/api/labApi.ts';
import { createBrowserTransport, takeToken, type ConnectionState } from './browserTransport.ts';

export interface LabConnection {
  api: LabApi;
  mode: 'desktop' | 'browser';
  /** Browser mode: the progress socket's state changes (the desktop app's IPC does not drop). */
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export type ConnectResult = { ok: true; connection: LabConnection } | { ok: false; reason: string };

export function connectToLab(): ConnectResult {
  if (window.lab)
    return { ok: true, connection: { api: window.lab, mode: 'desktop', onConnection: () => () => {} } };
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    return {
      ok: false,
      reason: 'Not connected to a lab: open this page from the desktop app or `lab serve`.',
    };
  }
  const token = takeToken(location, history, sessionStorage);
  if (!token) {
    return {
      ok: false,
      reason:
        'Not connected to a lab: this page needs the token from the URL `lab serve` printed (…/?token=…). ' +
        'Open that URL again.',
    };
  }
  const transport = createBrowserTransport(location.origin, token);
  return {
    ok: true,
    connection: {
      api: createLabApiClient(transport),
      mode: 'browser',
      onConnection: (listener) => transport.onConnection(listener),
    },
  };
}
