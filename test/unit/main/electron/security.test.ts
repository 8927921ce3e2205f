// The desktop app's security decisions (main/electron/security.ts), without Electron.
import { describe, expect, it } from 'vitest';
import {
  appContentSecurityPolicy,
  appEntryUrl,
  appRequestFile,
  isAllowedNavigation,
  isAppUrl,
  isRemoteUrl,
  permissionGranted,
  secureWebPreferences,
  senderRefusal,
} from '../../../../main/electron/security.ts';

describe('who may call LabApi', () => {
  const ours = { frameUrl: 'app://lab/index.html#/runs', fromOurWindow: true, isMainFrame: true };

  it('accepts the main frame of our window showing the app', () => {
    expect(senderRefusal(ours)).toBeNull();
    expect(senderRefusal({ ...ours, frameUrl: appEntryUrl })).toBeNull();
  });

  it('refuses another window, a subframe, a frame that is gone, and any other page', () => {
    expect(senderRefusal({ ...ours, fromOurWindow: false })).toMatch(/not in the lab's window/);
    expect(senderRefusal({ ...ours, isMainFrame: false })).toMatch(/is a subframe/);
    expect(senderRefusal({ ...ours, frameUrl: null })).toMatch(/no longer exists/);
    for (const frameUrl of [
      'https://evil.example/',
      'file:///work/main/dist/renderer/index.html',
      'app://evil/index.html',
      'app://lab.evil.example/index.html',
      'http://127.0.0.1:7420/',
      'devtools://devtools/bundled/inspector.html',
      'about:blank',
      'not a url',
    ]) {
      expect(senderRefusal({ ...ours, frameUrl }), frameUrl).toMatch(/is not the lab's page/);
    }
  });
});

describe('what the window may show and load', () => {
  it('navigates only within the app', () => {
    expect(isAllowedNavigation('app://lab/index.html#/compare')).toBe(true);
    for (const url of [
      'https://example.com/',
      'http://127.0.0.1:7420/',
      'file:///etc/passwd',
      'app://other/',
      'javascript:alert(1)',
    ]) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });

  it('treats every network scheme as remote content, and the app and data URLs as not', () => {
    for (const url of [
      'https://cdn.example/x.js',
      'http://localhost/',
      'ws://127.0.0.1:7420/',
      'wss://x/',
      'ftp://x/',
    ]) {
      expect(isRemoteUrl(url), url).toBe(true);
    }
    for (const url of ['app://lab/assets/app.js', 'data:image/png;base64,AAAA', 'blob:app://lab/123']) {
      expect(isRemoteUrl(url), url).toBe(false);
    }
    expect(isRemoteUrl('::not a url')).toBe(true);
  });

  it('grants no permission', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(permissionGranted(permission)).toBe(false);
    }
  });

  it('opens the window sandboxed, isolated, without Node and without remote content', () => {
    expect(secureWebPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
    expect(isAppUrl(appEntryUrl)).toBe(true);
  });

  it('sends a CSP that allows the app’s own files only', () => {
    expect(appContentSecurityPolicy).toContain("default-src 'self'");
    expect(appContentSecurityPolicy).toContain("script-src 'self'");
    expect(appContentSecurityPolicy).toContain("object-src 'none'");
    expect(appContentSecurityPolicy).toContain("frame-ancestors 'none'");
    expect(appContentSecurityPolicy).not.toMatch(/unsafe-eval|https?:|\*/);
  });
});

describe('which file an app:// request names', () => {
  it('maps the app’s URLs to the build', () => {
    expect(appRequestFile('app://lab/')).toEqual({ ok: true, path: 'index.html' });
    expect(appRequestFile('app://lab/index.html')).toEqual({ ok: true, path: 'index.html' });
    expect(appRequestFile('app://lab/assets/index-abc.js?v=1')).toEqual({
      ok: true,
      path: 'assets/index-abc.js',
    });
    expect(appRequestFile('app://lab/a%20b.svg')).toEqual({ ok: true, path: 'a b.svg' });
  });

  it('refuses other hosts and paths that climb out', () => {
    expect(appRequestFile('app://other/index.html')).toMatchObject({ ok: false, status: 404 });
    // Encoded separators survive URL parsing, so the path check itself must refuse them.
    for (const url of ['app://lab/assets/..%2f..%2fpackage.json', 'app://lab/..%5cx', 'app://lab/%00']) {
      expect(appRequestFile(url), url).toMatchObject({ ok: false, status: 400 });
    }
    // Dot segments (also encoded) are resolved by the URL parser at the root: still inside the build.
    expect(appRequestFile('app://lab/%2e%2e/package.json')).toEqual({ ok: true, path: 'package.json' });
    expect(appRequestFile('app://lab/../../package.json')).toEqual({ ok: true, path: 'package.json' });
  });
});
