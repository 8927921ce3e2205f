// How lab runs compute, whatever their kind: set once in a run's worker process before its trainer
// starts, so every run of every kind (and a benchmark that wants to time runs as the lab does)
// computes the same way.
import { cpuBackendAvailable, setCpuDenormals } from '../../../engine/backends/cpu.ts';

/**
 * Float denormals flushed to zero on the native cpu backend. Training drives values toward zero
 * all the time (saturated sigmoids, a learned optimizer's shrinking updates): kept as IEEE
 * denormals, each operation on one costs ~100 normal ones on x86, and MNIST meta-training here had
 * meta-iterations 1.3–3.5× slower for differences below 1.2e-38. TensorFlow flushes by default;
 * the js and cuda backends are not affected.
 */
export function applyLabComputeSettings(): void {
  if (cpuBackendAvailable()) setCpuDenormals('flush');
}
