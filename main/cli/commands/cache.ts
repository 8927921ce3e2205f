// `lab cache list|clear`: the compiled C ops cached on disk (engine/custom/c/cache.ts). The
// cache lives in $LAB_CACHE_DIR, else $XDG_CACHE_HOME/curriculum-lab/ops or ~/.cache/…; clearing
// it is always safe: an op recompiles on its next use.
import { cacheRoot, clearCompiledOps, listCompiledOps } from '../../../engine/custom/index.ts';
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

export function cacheCommand(action: string | undefined): number {
  if (action === 'list') {
    const entries = listCompiledOps();
    if (entries.length === 0) {
      process.stdout.write(`No compiled ops in ${cacheRoot()}.\n`);
      return 0;
    }
    const rows = entries.map((e) => [
      e.key.slice(0, 16),
      e.opName,
      formatBytes(e.size),
      formatAge(e.ageSeconds),
      e.path,
    ]);
    process.stdout.write(`${renderTable({ head: ['key', 'op', 'size', 'age', 'path'], rows })}\n`);
    return 0;
  }
  if (action === 'clear') {
    const removed = clearCompiledOps();
    process.stdout.write(`Removed ${removed} compiled op(s) from ${cacheRoot()}.\n`);
    return 0;
  }
  throw new UsageError(
    `cache needs an action: \`lab cache list\` or \`lab cache clear\`${action ? ` (got "${action}")` : ''}`,
  );
}
