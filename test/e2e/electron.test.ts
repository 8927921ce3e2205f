/// <reference lib="dom" />
// The desktop app end to end: Electron started by Playwright's _electron on the production
// bundles. Needs Electron's binary (downloaded on first launch: network) and, on Linux, a display
// (xvfb-run works); where either is missing every test skips and the suite's title says why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labApiMethods, type LabApi } from '../../main/api/labApi.ts';
import { desktopAvailability } from '../../main/electron/desktopAvailability.ts';
import { projectRoot } from '../../main/paths.ts';
import { buildRenderer } from './labApp.ts';

const desktop = desktopAvailability();
const skipped = !desktop.ok;
const title = desktop.ok
  ? 'the desktop app (Electron)'
  : `the desktop app (Electron) — skipped: ${desktop.reason}`;

let app: ElectronApplication;
let page: Page;
const dbPath = join(mkdtempSync(join(tmpdir(), 'lab-electron-')), 'lab.db');

/** The page's window.lab, as the renderer sees it. */
const lab = () => (window as unknown as { lab: LabApi }).lab;

/** This test's environment for Electron: its own database, and Electron as itself, not as Node. */
function electronEnvironment(): Record<string, string> {
  const env: NodeJS.ProcessEnv = { ...process.env, LAB_DB: dbPath };
  delete env.ELECTRON_RUN_AS_NODE;
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

beforeAll(async () => {
  if (!desktop.ok) return;
  await buildRenderer();
  const bundles = spawnSync(process.execPath, ['main/electron/build.ts'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  if (bundles.status !== 0) throw new Error(`building the Electron bundles failed:\n${bundles.stderr}`);
  app = await _electron.launch({
    executablePath: desktop.path,
    // Chromium refuses to run as root with its OS sandbox; the renderer stays sandboxed (sandbox: true).
    args: [projectRoot, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    env: electronEnvironment(),
  });
  page = await app.firstWindow();
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe(title, () => {
  it.skipIf(skipped)('opens one window on app://lab whose only way to the lab is window.lab', async () => {
    await expect.poll(() => page.title()).toBe('Curriculum Lab');
    expect(page.url()).toMatch(/^app:\/\/lab\/index\.html/);
    const shape = await page.evaluate(() => ({
      keys: Object.keys((window as unknown as { lab: object }).lab).sort(),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      ipcRenderer: typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
    }));
    expect(shape).toEqual({
      keys: [...labApiMethods, 'onProgress'].sort(),
      require: 'undefined',
      process: 'undefined',
      ipcRenderer: 'undefined',
    });
    const info = await page.evaluate(() => lab().info());
    expect(info.databasePath).toBe(dbPath);
    await expect.poll(() => page.textContent('[data-testid=connection]')).toMatch(/Engine/);
    const refused = await page.evaluate(() =>
      lab()
        .getExperiment('1; DROP TABLE runs' as unknown as number)
        .catch((e: Error) => e.message),
    );
    expect(refused).toMatch(/argument 1 must be a positive integer id/);
  });

  it.skipIf(skipped)('stays on the app: no navigation away, no new windows, no remote requests', async () => {
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(page.url()).toMatch(/^app:\/\/lab\//);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    expect(app.windows()).toHaveLength(1);
    const fetched = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => 'loaded',
        (error: Error) => error.message,
      ),
    );
    expect(fetched).not.toBe('loaded');
    // Counted by the main process too: the denied window.open created nothing.
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });
});
