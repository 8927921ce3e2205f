// What the process serving the lab can offer: the engine's version and the backends that load
// here (the engine says both), and the Node.js it runs on.
import { availableBackends, engineVersion } from '../../engine/info.ts';
import type { LabInfo } from './labApi.ts';

export function labInfo(): Omit<LabInfo, 'databasePath' | 'runsOn' | 'defaultBackend'> {
  return { engineVersion, nodeVersion: process.versions.node, backends: availableBackends() };
}
