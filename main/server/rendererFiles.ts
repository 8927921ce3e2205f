// Which file of the renderer build a request names, for both front ends: browser mode's HTTP
// server and the desktop app's app:// protocol. Pure path logic (no I/O but one realpath), so the
// rule that nothing outside the build is ever served is written and tested once.
import { realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export type RendererFileRequest =
  | { ok: true; /** Relative to the build, with / separators ('index.html' for '/'). */ path: string }
  | { ok: false; status: 400 | 404; reason: string };

/**
 * The build-relative file an URL path (still percent-encoded, without query) names. Refuses
 * rather than normalises anything that could climb out: `..` segments (raw or encoded),
 * backslashes, NUL, and paths that do not start with '/'.
 */
export function rendererFileOf(urlPath: string): RendererFileRequest {
  if (!urlPath.startsWith('/'))
    return { ok: false, status: 400, reason: `"${urlPath}" is not an absolute path` };
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, reason: `"${urlPath}" is not a valid percent-encoded path` };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) {
    return { ok: false, status: 400, reason: 'paths with NUL or backslashes are refused' };
  }
  const segments = decoded.split('/').slice(1);
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    return { ok: false, status: 400, reason: 'paths with . or .. segments are refused' };
  }
  const path = decoded.endsWith('/') ? `${decoded.slice(1)}index.html` : decoded.slice(1);
  return { ok: true, path };
}

/**
 * The absolute file for a build-relative path, or null when it would leave `root` (also through
 * a symbolic link) or does not exist.
 */
export async function resolveInside(root: string, path: string): Promise<string | null> {
  const candidate = resolve(root, path);
  if (!isInside(resolve(root), candidate)) return null;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    return isInside(realRoot, realFile) ? realFile : null;
  } catch {
    return null;
  }
}

function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
};

/** The Content-Type of a file by its extension (with nosniff, a wrong type would break it). */
export function contentTypeOf(path: string): string {
  return contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * How long a browser may keep a file: index.html never (a rebuild must show at once), Vite's
 * content-hashed assets/ forever, anything else revalidated.
 */
export function cacheControlOf(path: string): string {
  if (path.endsWith('.html')) return 'no-store';
  if (path.startsWith('assets/')) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}
