import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { projectRoot } from '../../../native/paths.ts';

describe('what the engine says about itself', () => {
  it('reports the project version and the backends that load here, fastest first', () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
    expect(T.engineVersion).toBe(version);
    const backends = T.availableBackends();
    expect(backends.at(-1)).toBe('js');
    expect(backends.includes('cpu')).toBe(T.cpuBackendAvailable());
    expect(backends.includes('cuda')).toBe(T.cudaBackendAvailable());
    expect(backends).toEqual(['cuda', 'cpu', 'js'].filter((b) => backends.includes(b)));
    expect(backends.every((b) => T.registeredBackends().includes(b))).toBe(true);
    expect(T.backendDevice('cuda')).toBe('gpu');
    expect(T.backendDevice('cpu')).toBe('cpu');
  });
});
