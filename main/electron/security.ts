// The desktop app's security decisions, as plain functions without Electron, so each is tested
// (test/unit/main/electron/security.test.ts) and main.ts only wires them to Electron's hooks:
// the window's settings, which pages it may show, which requests leave the app, and who may call
// LabApi. The renderer is treated as untrusted content: it gets LabApi and nothing else.
import { rendererFileOf, type RendererFileRequest } from '../server/rendererFiles.ts';

/** The renderer build is served from app://lab/ (a custom protocol), never from file:// or HTTP. */
export const appScheme = 'app';
export const appHost = 'lab';
export const appEntryUrl = `${appScheme}://${appHost}/index.html`;

/**
 * How the app:// scheme is registered (protocol.registerSchemesAsPrivileged): standard (real
 * origins and relative URLs) and secure (a secure context, like https), so the page's module
 * scripts and fetches work under a CSP of 'self'. No bypassCSP, no service workers.
 */
export const appSchemePrivileges = { standard: true, secure: true, supportFetchAPI: true } as const;

/** The CSP sent with every app:// response: the app's own files only, no remote anything. */
export const appContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  // Vue and Chart.js set inline styles.
  "style-src 'self' 'unsafe-inline'",
  // Chart PNG export and downloads use data: and blob: URLs.
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The window's webPreferences besides the preload: the renderer runs sandboxed, isolated from
 * the preload's world, without Node, and cannot load insecure or remote content or embed pages.
 * Spellcheck is off because it downloads dictionaries.
 */
export const secureWebPreferences = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  experimentalFeatures: false,
} as const;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A URL of the app itself. (app: is not a special scheme to Node's URL, so compare parts, not origin.) */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${appScheme}:` && parsed.host === appHost;
}

/** will-navigate / will-redirect: the window only ever shows the app. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** Requests that would reach the network: the app loads nothing remote, ever. */
export function isRemoteUrl(url: string): boolean {
  const protocol = parse(url)?.protocol;
  return protocol === undefined || ['http:', 'https:', 'ws:', 'wss:', 'ftp:'].includes(protocol);
}

/** Filters for session.webRequest: every scheme that can reach the network. */
export const remoteUrlPatterns = ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'];

/** Camera, microphone, notifications, geolocation…: the lab needs none, so every request is refused. */
export function permissionGranted(_permission: string): boolean {
  return false;
}

/** What an IPC event tells about who sent it. */
export interface SenderDescription {
  /** The sending frame's URL, or null when the frame is gone (navigated away or destroyed). */
  frameUrl: string | null;
  /** The event's webContents is our window's. */
  fromOurWindow: boolean;
  /** The sending frame is its page's main frame (not an iframe). */
  isMainFrame: boolean;
}

/** Null when the sender may call LabApi; else why not (the error the call is refused with). */
export function senderRefusal(sender: SenderDescription): string | null {
  const who = sender.frameUrl ?? '(a frame that no longer exists)';
  if (!sender.fromOurWindow) return `LabApi call refused: ${who} is not in the lab's window`;
  if (!sender.isMainFrame) return `LabApi call refused: ${who} is a subframe, not the lab's page`;
  if (sender.frameUrl === null || !isAppUrl(sender.frameUrl)) {
    return `LabApi call refused: ${who} is not the lab's page (${appScheme}://${appHost}/)`;
  }
  return null;
}

/** The renderer file an app:// request names (a foreign host or a climbing path is refused). */
export function appRequestFile(url: string): RendererFileRequest {
  const parsed = parse(url);
  if (parsed === null || !isAppUrl(url)) {
    return { ok: false, status: 404, reason: `${url} is not a file of the app` };
  }
  return rendererFileOf(parsed.pathname);
}
