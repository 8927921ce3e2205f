// IPC channels shared by the main process and the preload: one channel per LabApi call, plus
// the one event channel progress is pushed on.
import type { LabApi } from '../api/labApi.ts';

/** Every LabApi method that is a request/response call (all but the onProgress subscription). */
export const labApiCalls = [
  'info',
  'listExperiments',
  'getExperiment',
  'createExperiment',
  'cancelExperiment',
  'resumeExperiment',
  'metricNames',
  'metricSeries',
  'listCurricula',
  'readCurriculum',
  'validateDefinition',
] as const satisfies readonly Exclude<keyof LabApi, 'onProgress'>[];

export type LabApiCall = (typeof labApiCalls)[number];

export function callChannel(call: LabApiCall): string {
  return `lab:${call}`;
}

export const progressChannel = 'lab:progress';
