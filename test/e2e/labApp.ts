// What the end-to-end tests drive: a real lab (LabService over a fresh database, runs in worker
// processes) served in browser mode (main/server) with a per-launch token, the production
// renderer bundle, and Debian's Chromium under Playwright.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { createLabService, type LabService } from '../../main/api/labService.ts';
import { createLabServer, type LabServer } from '../../main/server/labServer.ts';
import { projectRoot } from '../../native/paths.ts';
import { launchChromium } from './chromium.ts';

export const screenshotDirectory = join(projectRoot, 'test-results', 'screenshots');

let built: Promise<string> | undefined;

/**
 * The production renderer bundle, built once per test process into a directory of its own (test
 * files run in parallel: two builds into dist/renderer would empty it under each other).
 */
export function buildRenderer(): Promise<string> {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'lab-renderer-'));
    await build({
      configFile: join(projectRoot, 'renderer', 'vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    });
    return outDir;
  })();
  return built;
}

export interface LabApp {
  directory: string;
  /** The renderer build this app serves. */
  rendererDirectory: string;
  dbPath: string;
  service: LabService;
  server: LabServer;
  token: string;
  /** The URL `lab serve` would print. */
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startLabApp(options: { poolSize?: number } = {}): Promise<LabApp> {
  const rendererDirectory = await buildRenderer();
  const directory = mkdtempSync(join(tmpdir(), 'lab-e2e-'));
  const dbPath = join(directory, 'lab.db');
  const service = createLabService({
    dbPath,
    poolSize: options.poolSize ?? 2,
    curricula: { user: join(directory, 'my-curricula') },
  });
  const token = randomBytes(32).toString('hex');
  const server = await createLabServer({
    api: service,
    host: '127.0.0.1',
    port: 0,
    token,
    rendererDirectory,
  });
  const browser = await launchChromium(chromium);
  mkdirSync(screenshotDirectory, { recursive: true });
  return {
    directory,
    rendererDirectory,
    dbPath,
    service,
    server,
    token,
    url: `${server.url}/?token=${token}`,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await service.close();
    },
  };
}

/** A page of the app at `hash` (e.g. '#/runs/3'), once it is connected; a page error fails the test. */
export async function openLabPage(app: LabApp, hash = ''): Promise<Page> {
  const page = await app.browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(`${app.url}${hash}`);
  await page
    .getByTestId('connection')
    .getByText(/Engine/)
    .waitFor();
  return page;
}

/** A full-page screenshot under test-results/screenshots/, for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDirectory, `${name}.png`), fullPage: true });
}

/** The rows of a read-only query on the app's database, to check a page against what is stored. */
export function queryLab<T>(app: LabApp, sql: string, ...params: unknown[]): T[] {
  const db = new Database(app.dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
