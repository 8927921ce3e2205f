// Can the desktop app open here? Electron's npm package holds no binary until its first launch
// downloads one (which needs network access), and a Linux machine without a display cannot show a
// window. `npm start` asks this before choosing between the desktop app and browser mode, and the
// Electron end-to-end test asks it before deciding to skip. Never requires 'electron' itself:
// that would start the download.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

/**
 * The Electron executable, as node_modules/electron would find it (path.txt names it under
 * dist/, or under ELECTRON_OVERRIDE_DIST_PATH). LAB_ELECTRON_BINARY overrides the lookup.
 */
export function electronBinary(env: NodeJS.ProcessEnv = process.env, root = projectRoot): ElectronBinary {
  if (env.LAB_ELECTRON_BINARY) {
    return existsSync(env.LAB_ELECTRON_BINARY)
      ? { ok: true, path: env.LAB_ELECTRON_BINARY }
      : { ok: false, reason: `LAB_ELECTRON_BINARY names ${env.LAB_ELECTRON_BINARY}, which does not exist` };
  }
  const packageDirectory = join(root, 'node_modules', 'electron');
  if (!existsSync(packageDirectory)) {
    return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  }
  const notDownloaded = {
    ok: false,
    reason:
      "Electron's binary is not installed (node_modules/electron/dist is missing): it downloads on first " +
      'launch, which needs network access',
  } as const;
  const pathFile = join(packageDirectory, 'path.txt');
  if (!existsSync(pathFile)) return notDownloaded;
  const relativePath = readFileSync(pathFile, 'utf8').trim();
  const path = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relativePath || 'electron')
    : join(packageDirectory, 'dist', relativePath);
  return existsSync(path) ? { ok: true, path } : notDownloaded;
}

/** Why no window can open on this machine (a Linux box without X or Wayland), or null. */
export function missingDisplay(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  return 'there is no display ($DISPLAY and $WAYLAND_DISPLAY are unset), so no window can open here';
}

/** Why the desktop app cannot start here, or the Electron binary to start it with. */
export function desktopAvailability(
  env: NodeJS.ProcessEnv = process.env,
  root = projectRoot,
): ElectronBinary {
  const binary = electronBinary(env, root);
  if (!binary.ok) return binary;
  const display = missingDisplay(env);
  return display === null ? binary : { ok: false, reason: display };
}
