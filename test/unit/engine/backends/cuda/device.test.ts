// Choosing the device: `device: 'cuda'` needs a usable GPU (an error that says why otherwise),
// `device: 'cpu'` is the native executor, and `auto` prefers the GPU only where one answered.
import { describe, expect, it } from 'vitest';
import * as T from '../../../../../engine/index.ts';
import { registeredBackends } from '../../../../../engine/backends/backend.ts';
import { cpuBackendAvailable } from '../../../../../engine/backends/cpu/index.ts';
import { cudaStatus } from '../../../../../engine/backends/cuda/index.ts';

describe('device choice', () => {
  const x = T.vector('x');

  it("registers cuda exactly when a GPU is usable, so 'auto' prefers it only then", () => {
    const s = cudaStatus();
    expect(registeredBackends().includes('cuda')).toBe(s.available);
    if (!s.available) expect(s.reason.length).toBeGreaterThan(0);
    const auto = T.fn([x], T.exp(x)).backend.name;
    expect(auto).toBe(s.available ? 'cuda' : cpuBackendAvailable() ? 'cpu' : 'js');
  });

  it("device: 'cpu' runs on the native executor, and backend wins over device", () => {
    if (cpuBackendAvailable()) expect(T.fn([x], T.exp(x), { device: 'cpu' }).backend.name).toBe('cpu');
    expect(T.fn([x], T.exp(x), { device: 'cpu', backend: 'js' }).backend.name).toBe('js');
  });

  it("device: 'cuda' runs on the GPU, and without one fails with a message naming the backend", () => {
    if (cudaStatus().available) expect(T.fn([x], T.exp(x), { device: 'cuda' }).backend.name).toBe('cuda');
    else expect(() => T.fn([x], T.exp(x), { device: 'cuda' })).toThrow(/backend 'cuda' is not available/);
  });
});
