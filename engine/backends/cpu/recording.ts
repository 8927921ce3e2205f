// A cpu backend that keeps the executables it prepares, so a caller can look at the native
// programs it ran: which steps ran as JavaScript segments, per-step profiles (bench --profile).
import type { Backend, Executable } from '../backend.ts';
import type { NativeExecutable } from './executable.ts';
import { cpuBackend } from './index.ts';

export function recordingCpu(): { backend: Backend; prepared: NativeExecutable[] } {
  const prepared: NativeExecutable[] = [];
  const backend: Backend = {
    name: 'cpu',
    prepare(program, shared): Executable {
      const e = cpuBackend.prepare(program, shared) as NativeExecutable;
      prepared.push(e);
      return e;
    },
  };
  return { backend, prepared };
}
