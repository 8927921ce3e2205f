// A LabApi whose calls travel over a message transport: Electron IPC (the preload) or HTTP +
// WebSocket (the renderer in browser mode). Each call becomes one named message. No runtime
// imports beyond the contract, so the preload bundle and the renderer both use it as it is.
import { labApiMethods, type LabApi, type LabApiMethod, type ProgressEvent } from './labApi.ts';

export interface LabApiTransport {
  invoke(method: LabApiMethod, args: unknown[]): Promise<unknown>;
  subscribe(listener: (event: ProgressEvent) => void): () => void;
}

/** The IPC channel (or HTTP path segment) of a method: one per call. */
export function labApiChannel(method: LabApiMethod): string {
  return `lab:${method}`;
}

/** Where progress events are pushed. */
export const labProgressChannel = 'lab:progress';

export function createLabApiClient(transport: LabApiTransport): LabApi {
  const call =
    (method: LabApiMethod) =>
    (...args: unknown[]) =>
      transport.invoke(method, args);
  const client = Object.fromEntries(labApiMethods.map((method) => [method, call(method)]));
  // Each entry has the signature of its LabApi method by construction (one message per call);
  // TypeScript cannot see that through Object.fromEntries.
  return { ...client, onProgress: (listener) => transport.subscribe(listener) } as LabApi;
}
