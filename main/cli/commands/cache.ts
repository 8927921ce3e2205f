// `lab cache list|clear`: what the engine caches on disk — compiled C ops (engine/custom/c/cache.ts;
// $LAB_CACHE_DIR, else $XDG_CACHE_HOME/curriculum-lab/ops or ~/.cache/…) and lowered programs
// (engine/compile/programCache.ts; $LAB_PROGRAM_CACHE_DIR, else …/curriculum-lab/programs) and
// elementwise composites compiled to C (engine/backends/cpu/compiledComposites.ts;
// $LAB_COMPOSITE_CACHE_DIR, else …/curriculum-lab/composites). Clearing any is always safe: an op
// recompiles, a function compiles again on its next use, a hot composite is built again.
import { cacheRoot, clearCompiledOps, listCompiledOps } from '../../../engine/custom/index.ts';
import {
  clearCachedPrograms,
  listCachedPrograms,
  programCacheRoot,
} from '../../../engine/compile/programCache.ts';
import {
  clearCompiledComposites,
  compiledCompositesInCache,
  compiledCompositesRoot,
} from '../../../engine/backends/cpu/compiledComposites.ts';
import { UsageError } from '../labContext.ts';
import { renderTable } from '../terminalTable.ts';

function formatBytes(bytes: number): string {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function formatAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

function listOps(): string {
  const entries = listCompiledOps();
  if (entries.length === 0) return `No compiled ops in ${cacheRoot()}.\n`;
  const rows = entries.map((e) => [
    e.key.slice(0, 16),
    e.opName,
    formatBytes(e.size),
    formatAge(e.ageSeconds),
    e.path,
  ]);
  return `Compiled ops in ${cacheRoot()}:\n${renderTable({ head: ['key', 'op', 'size', 'age', 'path'], rows })}\n`;
}

function listPrograms(): string {
  const entries = listCachedPrograms();
  if (entries.length === 0) return `No cached programs in ${programCacheRoot()}.\n`;
  const rows = entries.map((e) => [
    e.trace,
    String(e.steps),
    formatBytes(e.size),
    formatAge(e.ageSeconds),
    e.path,
  ]);
  const head = ['compiled at', 'steps', 'size', 'age', 'path'];
  return `Cached programs in ${programCacheRoot()}:\n${renderTable({ head, rows })}\n`;
}

function listComposites(): string {
  const { libraries, bytes } = compiledCompositesInCache();
  return libraries === 0
    ? `No compiled composites in ${compiledCompositesRoot()}.\n`
    : `Compiled composites in ${compiledCompositesRoot()}: ${libraries} ${libraries === 1 ? 'library' : 'libraries'}, ${formatBytes(bytes)}.\n`;
}

export function cacheCommand(action: string | undefined): number {
  if (action === 'list') {
    process.stdout.write(listOps() + listPrograms() + listComposites());
    return 0;
  }
  if (action === 'clear') {
    const ops = clearCompiledOps();
    const programs = clearCachedPrograms();
    const composites = clearCompiledComposites();
    process.stdout.write(
      `Removed ${ops} compiled op(s) from ${cacheRoot()}.\n` +
        `Removed ${programs} cached program(s) from ${programCacheRoot()}.\n` +
        `Removed ${composites} compiled composite(s) from ${compiledCompositesRoot()}.\n`,
    );
    return 0;
  }
  throw new UsageError(
    `cache needs an action: \`lab cache list\` or \`lab cache clear\`${action ? ` (got "${action}")` : ''}`,
  );
}
