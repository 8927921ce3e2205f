// Where the engine keeps what it builds on disk (compiled C ops, lowered programs, composites
// compiled to C): the folder an environment variable names, else
// $XDG_CACHE_HOME/curriculum-lab/<name>, else ~/.cache/curriculum-lab/<name>.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function engineCacheDirectory(name: string, override: string | undefined): string {
  if (override) return override;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'curriculum-lab', name);
}
