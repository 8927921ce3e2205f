// `lab serve` as a person starts it: the printed URL works, Ctrl-C stops it cleanly, a taken port
// and a non-loopback host are said as such.
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printedUrl, standInRendererBuild, startNode } from './serverHarness.ts';

const env = () => ({ LAB_RENDERER_DIR: standInRendererBuild() });
const dbArgs = () => ['--db', join(mkdtempSync(join(tmpdir(), 'lab-serve-')), 'lab.db')];

describe('lab serve', () => {
  it('prints a URL with the token that works, and stops on Ctrl-C', async () => {
    const serve = startNode(['bin/lab.js', 'serve', '--port', '0', ...dbArgs()], env());
    await expect.poll(() => printedUrl(serve), { timeout: 20_000 }).not.toBeNull();
    const url = new URL(printedUrl(serve)!);
    const token = url.searchParams.get('token')!;
    expect(serve.stdout()).toMatch(/browser mode · database .*lab\.db/);
    const info = await fetch(new URL('/api/info', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{"args":[]}',
    });
    expect(info.status).toBe(200);
    expect((await fetch(url)).status).toBe(200);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(/Stopping: running experiments .* stay resumable/);
  });

  it('says which port is taken and exits 1, without a stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const serve = startNode(['bin/lab.js', 'serve', '--port', String(port), ...dbArgs()], env());
      expect(await serve.exited).toBe(1);
      expect(serve.stderr()).toBe(
        `lab: port ${port} is taken (another lab serve?): use --port <n> or stop the other server\n`,
      );
    } finally {
      holder.close();
    }
  });

  it('warns that the token is the only protection when bound beyond loopback', async () => {
    const serve = startNode(['bin/lab.js', 'serve', '--host', '0.0.0.0', '--port', '0', ...dbArgs()], env());
    await expect.poll(() => printedUrl(serve), { timeout: 20_000 }).not.toBeNull();
    expect(serve.stderr()).toMatch(/WARNING: listening on 0\.0\.0\.0/);
    expect(serve.stderr()).toMatch(
      /anyone who can reach port \d+\s+and has the token can run code on this machine/i,
    );
    expect(serve.stderr()).toMatch(/token is the only protection/);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  });

  it('refuses a port that is not a number (exit 2)', async () => {
    const serve = startNode(['bin/lab.js', 'serve', '--port', 'http'], env());
    expect(await serve.exited).toBe(2);
    expect(serve.stderr()).toMatch(/--port needs a port number from 0 to 65535 .*got "http"/);
  });
});
