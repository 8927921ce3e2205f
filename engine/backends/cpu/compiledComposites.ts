// Elementwise composites compiled to C at run time (native/kernels/elementwise_jit.h): a float32
// composite that has run enough elements through the native tile interpreter is built by the
// system C compiler in the background and used from then on, with the same results to the bit.
// The libraries live in $LAB_COMPOSITE_CACHE_DIR, else $XDG_CACHE_HOME/curriculum-lab/composites,
// else ~/.cache/curriculum-lab/composites, named by a hash of their source, headers and compiler,
// so a later process loads them instead of building them again. LAB_COMPILED_COMPOSITES=off
// keeps every composite interpreted; LAB_CC names the compiler (as for C ops).
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeAddon } from '../../../native/addon.ts';
import { projectRoot } from '../../../native/paths.ts';
import { compilerCommand } from '../../custom/c/compiler.ts';
import { engineCacheDirectory } from '../../compile/cacheDirectory.ts';

/**
 * Elements a composite step runs interpreted before it is compiled: a composite of the
 * meta-training benchmarks' size (25,600 elements for quad_meta's LSTM cell, 318,200 for
 * mnist_meta's) is queued by its third call, while a test's small composites never are, so
 * their processes start no compiler. Building one takes ~0.1 s of a background thread.
 */
export const HOT_ELEMENTS = 2 ** 16;

export function compiledCompositesRoot(): string {
  return engineCacheDirectory('composites', process.env.LAB_COMPOSITE_CACHE_DIR);
}

export function compiledCompositesEnabled(): boolean {
  return process.env.LAB_COMPILED_COMPOSITES !== 'off';
}

/** Sets the addon's run-time compiler from the environment (once, where the backend loads it). */
export function configureCompiledComposites(addon: NativeAddon): void {
  addon.configureCompiledComposites(
    compiledCompositesEnabled()
      ? {
          cacheDir: compiledCompositesRoot(),
          includeDir: join(projectRoot, 'native', 'kernels'),
          compiler: compilerCommand(),
          hotElements: HOT_ELEMENTS,
        }
      : { cacheDir: '' },
  );
}

/** A library, or what a build left behind when its process exited mid-compile (source, log). */
const cacheFile = /^ew-[0-9a-f]{32}(\.so|\.\d+\.(c|log|so\.partial))$/;

/** The compiled composites' libraries in the cache: how many, and their bytes. */
export function compiledCompositesInCache(): { libraries: number; bytes: number } {
  const root = compiledCompositesRoot();
  if (!existsSync(root)) return { libraries: 0, bytes: 0 };
  const libraries = readdirSync(root).filter((f) => f.endsWith('.so') && cacheFile.test(f));
  const bytes = libraries.reduce((sum, f) => sum + statSync(join(root, f)).size, 0);
  return { libraries: libraries.length, bytes };
}

/** Removes the cache's libraries and any unfinished builds' files; returns how many libraries.
 * Safe while a process has them loaded: it keeps its mapping, and a later process builds again. */
export function clearCompiledComposites(): number {
  const root = compiledCompositesRoot();
  if (!existsSync(root)) return 0;
  let libraries = 0;
  for (const f of readdirSync(root)) {
    if (!cacheFile.test(f)) continue;
    rmSync(join(root, f), { force: true });
    if (f.endsWith('.so')) libraries++;
  }
  return libraries;
}
