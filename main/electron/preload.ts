// Sandboxed preload (emitted as CommonJS): exposes LabApi, one function per message, and
// nothing else — the renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ProgressEvent } from '../api/labApi.ts';
import { createLabApiClient, labApiChannel, labProgressChannel } from '../api/labApiClient.ts';

const labApi = createLabApiClient({
  invoke: (method, args) => ipcRenderer.invoke(labApiChannel(method), ...args),
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, progress: ProgressEvent) => listener(progress);
    ipcRenderer.on(labProgressChannel, handler);
    return () => ipcRenderer.removeListener(labProgressChannel, handler);
  },
});

contextBridge.exposeInMainWorld('lab', labApi);
