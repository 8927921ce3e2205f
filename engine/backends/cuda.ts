// Importing this module registers the native `cuda` backend where a GPU is usable (the backend
// lives in cuda/: the executable, the tape encoding, the library loading).
export { cudaBackend, cudaBackendAvailable, cudaStatus, type CudaStatus } from './cuda/index.ts';
