// The app:// protocol's answers (main/electron/appProtocol.ts) over a stand-in renderer build,
// with the Fetch API's Request and Response as protocol.handle passes and expects them.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerAppRequest } from '../../../../main/electron/appProtocol.ts';
import { appContentSecurityPolicy } from '../../../../main/electron/security.ts';
import { projectRoot } from '../../../../main/paths.ts';

let root: string;

beforeAll(() => {
  const directory = mkdtempSync(join(tmpdir(), 'lab-app-protocol-'));
  root = join(directory, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Curriculum Lab</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'export {};');
  writeFileSync(join(directory, 'secret.txt'), 'the content of secret.txt');
  symlinkSync(join(projectRoot, 'package.json'), join(root, 'linked.json'));
});

const get = (url: string, method = 'GET') => answerAppRequest(new Request(url, { method }), root);

describe('app:// protocol', () => {
  it('serves the build with the app’s CSP and the right content types', async () => {
    const page = await get('app://lab/index.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Curriculum Lab</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(appContentSecurityPolicy);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('app://lab/')).status).toBe(200);
    const script = await get('app://lab/assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves nothing outside the build, and only GET', async () => {
    for (const url of [
      'app://lab/../secret.txt',
      'app://lab/%2e%2e/secret.txt',
      'app://lab/assets/..%2f..%2fsecret.txt',
      'app://lab/linked.json',
      'app://lab/missing.js',
      'app://other/index.html',
    ]) {
      const response = await get(url);
      expect([400, 404], url).toContain(response.status);
      expect(await response.text(), url).not.toMatch(/the content of|"name": "curriculum-lab"/);
    }
    expect((await get('app://lab/index.html', 'POST')).status).toBe(405);
  });

  it('says how to build the app when index.html is missing', async () => {
    const response = await answerAppRequest(new Request('app://lab/index.html'), join(root, 'nowhere'));
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/npm run build:renderer/);
  });
});
