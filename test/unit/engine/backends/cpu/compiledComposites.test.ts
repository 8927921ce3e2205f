// The cpu backend's settings for composites compiled to C (engine/backends/cpu/compiledComposites.ts):
// where the libraries go, LAB_COMPILED_COMPOSITES=off, LAB_CC; and, in a process of its own with
// the defaults, an engine function's hot LSTM-sized composite compiled and the same results.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compiledCompositesRoot,
  configureCompiledComposites,
  HOT_ELEMENTS,
} from '../../../../../engine/backends/cpu/compiledComposites.ts';
import type { NativeAddon } from '../../../../../native/addon.ts';
import { projectRoot } from '../../../../../native/paths.ts';

const names = ['LAB_COMPOSITE_CACHE_DIR', 'XDG_CACHE_HOME', 'LAB_COMPILED_COMPOSITES', 'LAB_CC'] as const;
const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
afterEach(() => {
  for (const n of names) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

/** What configureCompiledComposites hands the addon. */
function settingsFromEnvironment(): unknown {
  let settings: unknown;
  configureCompiledComposites({
    configureCompiledComposites: (s: unknown) => (settings = s),
  } as unknown as NativeAddon);
  return settings;
}

describe('compiled composites: the cpu backend settings', () => {
  it('keeps the libraries in LAB_COMPOSITE_CACHE_DIR, else under XDG_CACHE_HOME, else ~/.cache', () => {
    for (const n of names) delete process.env[n];
    expect(compiledCompositesRoot()).toBe(join(homedir(), '.cache', 'curriculum-lab', 'composites'));
    process.env.XDG_CACHE_HOME = '/var/cache/me';
    expect(compiledCompositesRoot()).toBe('/var/cache/me/curriculum-lab/composites');
    process.env.LAB_COMPOSITE_CACHE_DIR = '/scratch/composites';
    expect(compiledCompositesRoot()).toBe('/scratch/composites');
  });

  it('passes the folder, native/kernels, the compiler (LAB_CC) and the hot threshold; off turns it off', () => {
    for (const n of names) delete process.env[n];
    process.env.LAB_COMPOSITE_CACHE_DIR = '/scratch/composites';
    process.env.LAB_CC = 'clang';
    expect(settingsFromEnvironment()).toEqual({
      cacheDir: '/scratch/composites',
      includeDir: join(projectRoot, 'native', 'kernels'),
      compiler: 'clang',
      hotElements: HOT_ELEMENTS,
    });
    process.env.LAB_COMPILED_COMPOSITES = 'off';
    expect(settingsFromEnvironment()).toEqual({ cacheDir: '' });
  });

  // A process of its own: the backend reads the environment once, as it loads the addon.
  const script = `
    import * as T from './engine/index.ts';
    import { loadNativeAddon } from './native/addon.ts';
    const x = T.matrix('x');
    const f = T.fn([x], T.mul(T.sigmoid(x), T.tanh(x)), { backend: 'cpu' });
    const value = T.NDArray.from(Array.from({ length: 1280 * 20 }, (_, i) => Math.sin(i)), [1280, 20], 'float32');
    const first = f(value).data;
    for (let i = 0; i < 3; i++) f(value);
    loadNativeAddon().waitForCompiledComposites();
    const last = f(value).data;
    const same = first.every((v, i) => Object.is(v, last[i]));
    console.log(JSON.stringify({ same, ...loadNativeAddon().compiledCompositesStats() }));
  `;
  function runScript(env: Record<string, string>) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      same: boolean;
      queued: number;
      compiled: number;
    };
  }

  it('compiles an engine function’s hot composite by default, with the same results; not when off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-composites-'));
    try {
      const on = runScript({ LAB_COMPOSITE_CACHE_DIR: dir });
      expect(on).toMatchObject({ same: true, queued: 1, compiled: 1 });
      expect(readdirSync(dir).filter((f) => f.endsWith('.so'))).toHaveLength(1);
      const off = runScript({ LAB_COMPOSITE_CACHE_DIR: dir, LAB_COMPILED_COMPOSITES: 'off' });
      expect(off).toMatchObject({ same: true, queued: 0, compiled: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
