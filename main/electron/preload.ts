// Sandboxed preload (emitted as CommonJS): exposes LabApi, one function per message, and
// nothing else — the renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import type { LabApi, LabInfo } from '../api/labApi.ts';
import { ipcChannels } from './ipcChannels.ts';

const labApi: LabApi = {
  info: () => ipcRenderer.invoke(ipcChannels.info) as Promise<LabInfo>,
};

contextBridge.exposeInMainWorld('lab', labApi);
