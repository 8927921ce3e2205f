// The `cpu` backend: programs run in the native executor (native/), one crossing into C per
// call. Shared variables live in the executor's memory between calls: each program attaches a
// residence to the shared variables it holds, so `get()` pulls the current value and `set()`
// (or another program taking the variable over) makes this program upload it again before its
// next run. Importing this file registers the backend; `backend: 'auto'` then prefers it.
import type { SharedResidence, SharedVariable } from '../core/graph.ts';
import { NDArray } from '../core/ndarray.ts';
import { loadNativeAddon, type NativeAddon } from '../../native/addon.ts';
import type { ProgramHandle } from '../../native/program.ts';
import type { Program } from '../compile/program.ts';
import { registerBackend, type Backend, type Executable } from './backend.ts';
import { nativeProgramSpec } from './nativeSpec.ts';

class NativeExecutable implements Executable {
  private readonly addon: NativeAddon;
  private readonly handle: ProgramHandle;
  private readonly program: Program;
  /** For each shared buffer: the variable, and the residence that says this program holds it. */
  private readonly held: { variable: SharedVariable; buffer: number; residence: SharedResidence }[];

  constructor(addon: NativeAddon, program: Program, shared: readonly SharedVariable[]) {
    this.addon = addon;
    this.program = program;
    const handle = addon.createProgram(nativeProgramSpec(program, shared));
    this.handle = handle;
    this.held = program.buffers
      .filter((b) => b.role === 'shared')
      .map((b) => {
        const variable = shared[b.index];
        const shape = variable.shape;
        const residence: SharedResidence = {
          pull: () => new NDArray(addon.getShared(handle, b.id), shape),
          // The executor keeps its copy; the next run uploads the host value again.
          release: () => undefined,
        };
        return { variable, buffer: b.id, residence };
      });
  }

  run(inputs: readonly NDArray[]): NDArray[] {
    for (const h of this.held) {
      if (!h.variable.isHeldBy(h.residence)) {
        this.addon.setShared(this.handle, h.buffer, h.variable.attach(h.residence).contiguous().data);
      }
    }
    const results = this.addon.run(
      this.handle,
      inputs.map((a) => a.contiguous().data),
    );
    return results.map((data, i) => new NDArray(data, this.program.outputs[i].shape));
  }

  /** Hand every shared value this program holds back to the host. */
  dispose(): void {
    for (const h of this.held) if (h.variable.isHeldBy(h.residence)) h.variable.set(h.variable.get());
  }
}

export const cpuBackend: Backend = {
  name: 'cpu',
  prepare: (program, shared) => new NativeExecutable(loadNativeAddon(), program, shared),
};

registerBackend(cpuBackend);
