// What this engine is and what it can run on here: its version (the project's package.json)
// and the backends that load in this process, fastest first. The lab records both with every
// run, so a number can always be traced to the code and the device that produced it.
import packageJson from '../package.json' with { type: 'json' };
import './backends/js.ts';
import './backends/cpu.ts';
import './backends/cuda.ts';
import { registeredBackends } from './backends/backend.ts';

export const engineVersion: string = packageJson.version;

const speedOrder = ['cuda', 'cpu', 'js'];

/** Backends registered here, fastest first: `js` always; `cpu` where the addon loads; `cuda` where a GPU answers. */
export function availableBackends(): string[] {
  const registered = registeredBackends();
  const known = speedOrder.filter((name) => registered.includes(name));
  return [...known, ...registered.filter((name) => !speedOrder.includes(name))];
}

/** The device a backend computes on, as the lab records it. */
export function backendDevice(backend: string): 'gpu' | 'cpu' {
  return backend === 'cuda' ? 'gpu' : 'cpu';
}
