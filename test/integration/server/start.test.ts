// `npm start` where the desktop app cannot open (here: Electron's binary is missing, as on a
// machine without network before its first launch): it says so in one paragraph and starts
// browser mode, printing the URL — no stack trace. The build step is skipped (tested by use).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printedUrl, standInRendererBuild, startNode } from './serverHarness.ts';

describe('npm start without Electron', () => {
  it('says why and starts browser mode with the URL', async () => {
    const start = startNode(
      ['scripts/start.ts', '--port', '0', '--db', join(mkdtempSync(join(tmpdir(), 'lab-start-')), 'lab.db')],
      {
        LAB_START_SKIP_BUILD: '1',
        LAB_ELECTRON_BINARY: '/nowhere/electron',
        LAB_RENDERER_DIR: standInRendererBuild(),
      },
    );
    await expect.poll(() => printedUrl(start), { timeout: 20_000 }).not.toBeNull();
    expect(start.stdout()).toMatch(
      /^The desktop app cannot start: LAB_ELECTRON_BINARY names \/nowhere\/electron, which does not exist\. Starting browser mode instead/,
    );
    const page = await fetch(printedUrl(start)!);
    expect(page.status).toBe(200);
    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    expect(start.stderr()).not.toMatch(/\n\s+at /);
  });
});
