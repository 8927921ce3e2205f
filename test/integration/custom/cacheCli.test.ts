// `lab cache list` / `lab cache clear` against caches filled here: a compiled C op, a cached program
// and a composite compiled to C.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { loadNativeAddon } from '../../../native/addon.ts';
import { projectRoot } from '../../../native/paths.ts';
import { configureCompiledComposites } from '../../../engine/backends/cpu/compiledComposites.ts';
import { cpuBackendAvailable } from '../../../engine/backends/cpu/index.ts';
import { ScaleShift } from './fixtures/ops.ts';

const saved = process.env.LAB_CACHE_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.LAB_CACHE_DIR;
  else process.env.LAB_CACHE_DIR = saved;
  process.env.LAB_PROGRAM_CACHE = 'off';
  delete process.env.LAB_PROGRAM_CACHE_DIR;
});

function lab(cacheDir: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(projectRoot, 'bin', 'lab.js'), ...args], {
    env: {
      ...process.env,
      LAB_CACHE_DIR: cacheDir,
      LAB_PROGRAM_CACHE_DIR: programsDir(cacheDir),
      LAB_COMPOSITE_CACHE_DIR: compositesDir(cacheDir),
    },
    encoding: 'utf8',
  });
}

const programsDir = (cacheDir: string) => join(cacheDir, '..', 'programs');
const compositesDir = (cacheDir: string) => join(cacheDir, '..', 'composites');

describe('lab cache', () => {
  it('lists the compiled ops with key, name, size, age and path; clear removes them', () => {
    const cacheDir = join(mkdtempSync(join(tmpdir(), 'lab-cache-cli-')), 'ops');
    process.env.LAB_CACHE_DIR = cacheDir;
    const kernel = new ScaleShift(2, '0.5').compiled();

    const listed = lab(cacheDir, 'cache', 'list');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/key.*op.*size.*age.*path/);
    expect(listed.stdout).toContain(kernel.key.slice(0, 16));
    expect(listed.stdout).toContain('ScaleShift{scale=2, offset="0.5"}');
    expect(listed.stdout).toMatch(/\d+(\.\d)? KiB/);

    expect(listed.stdout).toContain(`No cached programs in ${programsDir(cacheDir)}.`);
    expect(listed.stdout).toContain(`No compiled composites in ${compositesDir(cacheDir)}.`);

    // A composite hot from its first element is compiled into the composites' folder.
    cpuBackendAvailable(); // the backend's own settings first (it sets them as it loads the addon)
    const addon = loadNativeAddon();
    addon.configureCompiledComposites({
      cacheDir: compositesDir(cacheDir),
      includeDir: join(projectRoot, 'native', 'kernels'),
      compiler: 'cc',
      hotElements: 1,
    });
    try {
      const v = T.vector('v');
      T.fn([v], T.add(T.mul(T.sigmoid(v), 2), 1), { backend: 'cpu' })(
        T.NDArray.from([1, 2, 3], [3], 'float32'),
      );
      addon.waitForCompiledComposites();
    } finally {
      configureCompiledComposites(addon);
    }
    expect(lab(cacheDir, 'cache', 'list').stdout).toMatch(
      new RegExp(`Compiled composites in ${compositesDir(cacheDir)}: 1 library, \\d+\\.\\d KiB\\.`),
    );

    // A function compiled with the program cache on leaves its program beside the ops.
    process.env.LAB_PROGRAM_CACHE = 'on';
    process.env.LAB_PROGRAM_CACHE_DIR = programsDir(cacheDir);
    const x = T.vector('x');
    T.fn([x], T.mul(x, 2), { backend: 'cpu' })(T.NDArray.from([1, 2], [2], 'float32'));
    const withProgram = lab(cacheDir, 'cache', 'list');
    expect(withProgram.stdout).toMatch(/Cached programs in .*programs:/);
    expect(withProgram.stdout).toMatch(/compiled at.*steps.*size.*age.*path/);
    expect(withProgram.stdout).toContain('cacheCli.test.ts');

    const cleared = lab(cacheDir, 'cache', 'clear');
    expect(cleared.stdout).toBe(
      `Removed 1 compiled op(s) from ${cacheDir}.\nRemoved 1 cached program(s) from ${programsDir(cacheDir)}.\n` +
        `Removed 1 compiled composite(s) from ${compositesDir(cacheDir)}.\n`,
    );
    expect(existsSync(kernel.library)).toBe(false);
    expect(lab(cacheDir, 'cache', 'list').stdout).toBe(
      `No compiled ops in ${cacheDir}.\nNo cached programs in ${programsDir(cacheDir)}.\n` +
        `No compiled composites in ${compositesDir(cacheDir)}.\n`,
    );

    const misused = lab(cacheDir, 'cache');
    expect(misused.status).toBe(2);
    expect(misused.stderr).toMatch(/cache needs an action: `lab cache list` or `lab cache clear`/);
  });
});
