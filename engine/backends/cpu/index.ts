// The `cpu` backend: engine programs run in the native executor (native/), one crossing into C
// per call (see executable.ts, spec.ts, steps.ts). Importing this file registers it when the
// native addon loads, so `backend: 'auto'` picks it wherever the addon is built and falls back
// to `js` elsewhere; `js` stays available by name as the reference.
import { loadNativeAddon, type NativeAddon } from '../../../native/addon.ts';
import { registerBackend, type Backend } from '../backend.ts';
import { NativeExecutable } from './executable.ts';

let addon: NativeAddon | null | undefined;

/** The addon, or null when it is not built or does not load here (the reason is kept). */
function tryAddon(): NativeAddon | null {
  if (addon === undefined) {
    try {
      addon = loadNativeAddon();
    } catch (error) {
      addon = null;
      unavailableReason = (error as Error).message;
    }
  }
  return addon;
}

let unavailableReason = '';

/** Is the native addon loadable in this process? */
export function cpuBackendAvailable(): boolean {
  return tryAddon() !== null;
}

/** Why the native addon does not load here ('' when it does). */
export function cpuBackendUnavailableReason(): string {
  tryAddon();
  return unavailableReason;
}

export const cpuBackend: Backend = {
  name: 'cpu',
  prepare(program, shared) {
    const native = tryAddon();
    if (!native) throw new Error(`the cpu backend cannot run: ${unavailableReason}`);
    return new NativeExecutable(native, program, shared);
  },
};

if (cpuBackendAvailable()) registerBackend(cpuBackend);
