// Sandboxed preload (emitted as CommonJS): exposes LabApi, one function per message, and
// nothing else — the renderer never sees ipcRenderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { LabApi, ProgressEvent } from '../api/labApi.ts';
import { callChannel, progressChannel, type LabApiCall } from './ipcChannels.ts';

function call<K extends LabApiCall>(name: K): LabApi[K] {
  return ((...args: unknown[]) => ipcRenderer.invoke(callChannel(name), ...args)) as LabApi[K];
}

const labApi: LabApi = {
  info: call('info'),
  listExperiments: call('listExperiments'),
  getExperiment: call('getExperiment'),
  createExperiment: call('createExperiment'),
  cancelExperiment: call('cancelExperiment'),
  resumeExperiment: call('resumeExperiment'),
  metricNames: call('metricNames'),
  metricSeries: call('metricSeries'),
  listCurricula: call('listCurricula'),
  readCurriculum: call('readCurriculum'),
  validateDefinition: call('validateDefinition'),
  onProgress(listener) {
    const handler = (_event: IpcRendererEvent, progress: ProgressEvent) => listener(progress);
    ipcRenderer.on(progressChannel, handler);
    return () => ipcRenderer.removeListener(progressChannel, handler);
  },
};

contextBridge.exposeInMainWorld('lab', labApi);
