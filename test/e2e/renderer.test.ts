// End to end: the production renderer bundle, served over loopback, in Debian's Chromium
// driven by Playwright.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';
import { buildRenderer } from './labApp.ts';

let rendererDist = '';
const contentTypes: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

let server: Server;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  rendererDist = await buildRenderer();
  server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    readFile(join(rendererDist, path)).then(
      (body) => {
        res.writeHead(200, { 'content-type': contentTypes[extname(path)] ?? 'application/octet-stream' });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchChromium(chromium);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('renderer bundle in Chromium', () => {
  it('renders the shell and says how to reach a lab when it has none (no preload, no token)', async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await expect.poll(() => page.textContent('.brand')).toBe('Curriculum Lab');
    await expect.poll(() => page.textContent('[data-testid=connection]')).toMatch(/Offline/);
    await expect
      .poll(() => page.textContent('[data-testid=offline]'))
      .toMatch(/needs the token from the URL `lab serve` printed.*npx lab serve/s);
    await page.close();
  });

  it('shows what the LabApi reports when one is exposed', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      (globalThis as unknown as { lab: unknown }).lab = {
        info: async () => ({ engineVersion: '9.9.9', nodeVersion: '24.0.0', backends: ['cpu', 'js'] }),
      };
    });
    await page.goto(baseUrl);
    await expect
      .poll(() => page.textContent('[data-testid=connection]'))
      .toMatch(/Engine 9\.9\.9 .* cpu, js/s);
    await page.close();
  });
});
