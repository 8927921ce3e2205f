// The renderer's connection to the lab: which LabApi it talks to (preload or browser mode), what
// the lab says about itself, the progress stream fanned out to whoever listens, and a counter that
// moves when browser mode's stream comes back after a drop (pages then refill from the database).
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LabApi, LabInfo, ProgressEvent } from '../../../main/api/labApi.ts';
import { connectToLab } from '../api/connect.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export const useLabStore = defineStore('lab', () => {
  const api = shallowRef<LabApi | null>(null);
  const mode = ref<'desktop' | 'browser' | null>(null);
  const info = ref<LabInfo | null>(null);
  const connection = ref<ConnectionStatus>('connecting');
  const offlineReason = ref('');
  /** Moves each time the progress stream is back after a drop: what was missed is in the database. */
  const reconnects = ref(0);
  /** The last error a call returned, for the banner; cleared by the user. */
  const lastError = ref<string | null>(null);
  /** Whether that error was the server not answering (it goes away when the connection is back). */
  let lastErrorWasConnection = false;
  const listeners = new Set<(event: ProgressEvent) => void>();

  async function connect(): Promise<void> {
    const result = connectToLab();
    if (!result.ok) {
      connection.value = 'offline';
      offlineReason.value = result.reason;
      return;
    }
    const { connection: lab } = result;
    try {
      info.value = await lab.api.info();
    } catch (error) {
      connection.value = 'offline';
      offlineReason.value = `The lab did not answer: ${(error as Error).message}`;
      return;
    }
    api.value = lab.api;
    mode.value = lab.mode;
    connection.value = 'connected';
    lab.api.onProgress((event) => listeners.forEach((listener) => listener(event)));
    lab.onConnection((state) => {
      if (state === 'reconnecting') connection.value = 'reconnecting';
      if (state === 'open') {
        connection.value = 'connected';
        reconnects.value++;
        if (lastErrorWasConnection) lastError.value = null;
      }
    });
  }

  /** Subscribes to progress events; returns the unsubscribe function. */
  function onProgress(listener: (event: ProgressEvent) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Runs a LabApi call; a failure is shown in the banner and returns undefined. */
  async function call<T>(run: (api: LabApi) => Promise<T>): Promise<T | undefined> {
    if (!api.value) return undefined;
    try {
      return await run(api.value);
    } catch (error) {
      lastError.value = (error as Error).message;
      // A request that got no answer at all (browser mode's server away): status 0.
      lastErrorWasConnection = (error as { status?: number }).status === 0;
      return undefined;
    }
  }

  return { api, mode, info, connection, offlineReason, reconnects, lastError, connect, onProgress, call };
});
