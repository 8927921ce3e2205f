// Where the lab keeps its database when nobody says otherwise: the platform's per-user data
// directory, so results survive reinstalls and are not mixed into a project checkout.
import { homedir } from 'node:os';
import { join } from 'node:path';

const appDirectoryName = 'curriculum-lab';

/** The per-user data directory of the lab (not created here). */
export function userDataDirectory(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', appDirectoryName);
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), appDirectoryName);
  }
  const xdgDataHome = env.XDG_DATA_HOME;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const base = xdgDataHome && xdgDataHome.startsWith('/') ? xdgDataHome : join(homedir(), '.local', 'share');
  return join(base, appDirectoryName);
}

/** The database file: `LAB_DB` if set, else lab.db in the user data directory. */
export function defaultDatabasePath(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  return env.LAB_DB && env.LAB_DB.length > 0 ? env.LAB_DB : join(userDataDirectory(env, platform), 'lab.db');
}

/** The per-user cache directory of the lab: things that can be rebuilt at any time. */
export function userCacheDirectory(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', appDirectoryName);
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), appDirectoryName, 'Cache');
  }
  const xdgCacheHome = env.XDG_CACHE_HOME;
  const base = xdgCacheHome && xdgCacheHome.startsWith('/') ? xdgCacheHome : join(homedir(), '.cache');
  return join(base, appDirectoryName);
}
