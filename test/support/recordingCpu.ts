// A cpu backend that records every executable it prepares, so a test can look at the native
// program it ran (which steps ran as JavaScript segments, which kernels were called).
import type { Backend, Executable } from '../../engine/backends/backend.ts';
import type { NativeExecutable } from '../../engine/backends/cpu/executable.ts';
import { cpuBackend } from '../../engine/backends/cpu/index.ts';

export function recordingCpu(): { backend: Backend; prepared: NativeExecutable[] } {
  const prepared: NativeExecutable[] = [];
  return {
    prepared,
    backend: {
      name: 'cpu',
      prepare(program, shared): Executable {
        const e = cpuBackend.prepare(program, shared) as NativeExecutable;
        prepared.push(e);
        return e;
      },
    },
  };
}
