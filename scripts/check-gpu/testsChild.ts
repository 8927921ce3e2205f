// One test process of the GPU check: runs the registered tests from index `from` on, recording a
// start and an end line for each (results.ts). After a CUDA fault that poisons the context (an
// illegal address, a launch failure) every later call in this process would fail too, so it
// stops with exit status 70 and the supervisor goes on in a fresh process.
import { programsPreparedOnGpu } from '../../test/gpu/shim/cpuAsCuda.ts';
import { registeredTests } from '../../test/gpu/shim/vitest.ts';
import { appendRecord, POISONED_EXIT } from './results.ts';

const contextPoisoned =
  /illegal (memory access|address|instruction)|misaligned address|unspecified launch failure|cudaErrorLaunchFailure|cudaErrorIllegal|cudaErrorMisaligned|kernel faulted/i;

export function runTestsFrom(from: number, file: string, only: boolean): number {
  const tests = registeredTests();
  for (let i = from; i < (only ? from + 1 : tests.length); i++) {
    const { name, run } = tests[i];
    appendRecord(file, { kind: 'start', i, name });
    const started = performance.now();
    const programsBefore = programsPreparedOnGpu();
    let error: string | undefined;
    try {
      run();
    } catch (e) {
      error = String((e as Error).stack ?? e)
        .split('\n')
        .slice(0, 8)
        .join('\n');
    }
    const seconds = (performance.now() - started) / 1000;
    const gpuPrograms = programsPreparedOnGpu() - programsBefore;
    appendRecord(file, { kind: 'end', i, name, ok: error === undefined, error, seconds, gpuPrograms });
    if (error !== undefined) console.log(`FAIL [${i}] ${name}\n  ${error.replaceAll('\n', '\n  ')}`);
    if (error !== undefined && contextPoisoned.test(error)) return POISONED_EXIT;
  }
  return 0;
}
