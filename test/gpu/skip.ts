// Whether the GPU tests can run here, and if not, why: printed once so a skipped suite always
// says what was missing (no CUDA library built, no driver, no device, LAB_DISABLE_CUDA=1).
import { cudaStatus } from '../../engine/backends/cuda/index.ts';

let printed = false;

/** null where a GPU is usable; otherwise the reason, printed on first use. */
export function gpuSkipReason(): string | null {
  const s = cudaStatus();
  if (s.available) return null;
  if (!printed) {
    printed = true;
    console.log(`[gpu tests] skipped: no usable GPU here: ${s.reason}`);
  }
  return s.reason;
}
