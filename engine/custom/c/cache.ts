// The on-disk cache of compiled C ops: one directory per cache key under the user's cache
// directory ($LAB_CACHE_DIR, else $XDG_CACHE_HOME/curriculum-lab/ops, else
// ~/.cache/curriculum-lab/ops). A directory holds the generated source, meta.json and, once a
// build has finished, op.so — which appears by an atomic rename, so its presence means a
// complete library.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { engineCacheDirectory } from '../../compile/cacheDirectory.ts';

export const LIBRARY_FILE = 'op.so';
export const META_FILE = 'meta.json';
export const SOURCE_FILE = 'source.c';
export const LOCK_FILE = '.lock';

/** What meta.json records about a build. */
export interface BuildMeta {
  readonly key: string;
  readonly opName: string;
  readonly compiler: string;
  readonly flags: readonly string[];
  readonly createdAt: string;
  readonly compileSeconds: number;
}

export interface CompiledOpEntry {
  readonly key: string;
  readonly opName: string;
  /** Bytes of the shared object. */
  readonly size: number;
  /** Seconds since it was built. */
  readonly ageSeconds: number;
  readonly path: string;
}

export function cacheRoot(): string {
  return engineCacheDirectory('ops', process.env.LAB_CACHE_DIR);
}

export function entryDir(key: string): string {
  return join(cacheRoot(), key);
}

/** Every complete build in the cache, newest first. */
export function listCompiledOps(): CompiledOpEntry[] {
  const root = cacheRoot();
  if (!existsSync(root)) return [];
  const entries: CompiledOpEntry[] = [];
  for (const key of readdirSync(root)) {
    const library = join(root, key, LIBRARY_FILE);
    if (!existsSync(library)) continue;
    const stat = statSync(library);
    let opName = '?';
    try {
      opName = (JSON.parse(readFileSync(join(root, key, META_FILE), 'utf8')) as BuildMeta).opName;
    } catch {
      // A library without readable meta still lists (and clears); only its name is unknown.
    }
    entries.push({
      key,
      opName,
      size: stat.size,
      ageSeconds: (Date.now() - stat.mtimeMs) / 1000,
      path: library,
    });
  }
  return entries.sort((a, b) => a.ageSeconds - b.ageSeconds);
}

/**
 * Removes every cached build (and unfinished build directories); returns how many libraries went.
 * A process that already loaded a library keeps it mapped; the next process recompiles.
 */
export function clearCompiledOps(): number {
  const root = cacheRoot();
  if (!existsSync(root)) return 0;
  const count = listCompiledOps().length;
  for (const key of readdirSync(root)) rmSync(join(root, key), { recursive: true, force: true });
  return count;
}
