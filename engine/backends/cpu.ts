// Importing this module registers the native `cpu` backend where the addon loads (the backend
// itself lives in cpu/: the executable, the spec conversion and the per-kernel bridges).
export {
  cpuBackend,
  cpuBackendAvailable,
  cpuBackendUnavailableReason,
  cpuDenormals,
  setCpuDenormals,
} from './cpu/index.ts';
