// The `cpu` backend: engine programs run in the native executor (native/), one crossing into C
// per call (see executable.ts, spec.ts, steps.ts). Importing this file registers it when the
// native addon loads, so `backend: 'auto'` picks it wherever the addon is built and falls back
// to `js` elsewhere; `js` stays available by name as the reference.
import { statSync } from 'node:fs';
import { addonPath, loadNativeAddon, type NativeAddon } from '../../../native/addon.ts';
import { registerBackend, type Backend } from '../backend.ts';
import { configureCompiledComposites } from './compiledComposites.ts';
import { NativeExecutable } from './executable.ts';
import { nodeFreeStep } from './steps.ts';

let addon: NativeAddon | null | undefined;

/** The addon, or null when it is not built or does not load here (the reason is kept). */
function tryAddon(): NativeAddon | null {
  if (addon === undefined) {
    try {
      addon = loadNativeAddon();
      configureCompiledComposites(addon);
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

/**
 * How programs run from this thread treat float denormals (below 1.2e-38 in float32): 'keep'
 * (the default, IEEE, as NumPy and PyTorch), or 'flush' to zero, as TensorFlow does and
 * `torch.set_flush_denormal(True)` asks for. An operation on a denormal costs about a hundred
 * normal ones on x86; training whose gradients underflow (saturated sigmoids, a learned
 * optimizer's updates shrinking toward zero) runs several times slower when they are kept, for
 * differences below 1.2e-38. Lab runs flush (main/lab/trainers/computeSettings.ts).
 */
export function setCpuDenormals(mode: 'flush' | 'keep'): void {
  const native = tryAddon();
  if (!native) throw new Error(`setCpuDenormals: the cpu backend cannot run here: ${unavailableReason}`);
  native.setDenormals(mode);
}

/** The mode setCpuDenormals set on this thread ('keep' where the addon does not load). */
export function cpuDenormals(): 'flush' | 'keep' {
  return tryAddon()?.getDenormals() ?? 'keep';
}

export const cpuBackend: Backend = {
  name: 'cpu',
  prepare(program, shared, prepared) {
    const native = tryAddon();
    if (!native) throw new Error(`the cpu backend cannot run: ${unavailableReason}`);
    return new NativeExecutable(native, program, shared, prepared);
  },
  // Every step native and none refused by the executor: the program then needs no graph node.
  // The executor's packed spec goes with it: a process that reuses the program creates it from
  // that, without building and packing the spec again.
  programForCache(program, executable) {
    const native = executable as NativeExecutable;
    if (native.fallbacks.length > 0) return null;
    const steps = program.steps.map((step) => nodeFreeStep(step, program.buffers));
    if (!steps.every((step) => step !== null)) return null;
    return { program: { ...program, steps }, prepared: native.preparedForm() };
  },
  // The addon file as built (size and modification time): a rebuilt executor may parse programs
  // differently, so programs cached under an older build are compiled again.
  programCacheIdentity() {
    const stat = statSync(addonPath);
    return `cpu ${stat.size} ${stat.mtimeMs}`;
  },
};

if (cpuBackendAvailable()) registerBackend(cpuBackend);
