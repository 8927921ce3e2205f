// Browser mode's server over a real LabService (fresh database, runs in a worker process), driven
// with Node's fetch, raw HTTP and the ws client as a browser page and an attacker would.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labApiMethods, type ProgressEvent } from '../../../main/api/labApi.ts';
import { createLabService, type LabService } from '../../../main/api/labService.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { projectRoot } from '../../../main/paths.ts';
import { createLabServer, type LabServer } from '../../../main/server/labServer.ts';
import { definitionYaml, testTrainerModule } from '../lab/labHarness.ts';
import { openProgressSocket, rawRequest, standInRendererBuild, upgradeStatus } from './serverHarness.ts';

const token = 'a'.repeat(64);
let service: LabService;
let server: LabServer;
let rendererDirectory: string;

beforeAll(async () => {
  await registerTrainerModule(testTrainerModule);
  const directory = mkdtempSync(join(tmpdir(), 'lab-server-'));
  service = createLabService({
    dbPath: join(directory, 'lab.db'),
    poolSize: 1,
    curricula: { user: join(directory, 'my-curricula') },
  });
  rendererDirectory = standInRendererBuild();
  server = await createLabServer({
    api: service,
    host: '127.0.0.1',
    port: 0,
    token,
    rendererDirectory,
    pingIntervalMs: 200,
  });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
});

async function call(method: string, args: unknown[], headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ args }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const progressUrl = (withToken = token) => `ws://127.0.0.1:${server.port}/api/progress?token=${withToken}`;

describe('LabApi over HTTP', () => {
  it('answers calls that carry the token', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const info = await call('info', []);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ ok: true, value: { nodeVersion: process.versions.node } });
    expect(await call('listExperiments', [])).toEqual({ status: 200, body: { ok: true, value: [] } });
    const problems = await call('validateDefinition', ['version: 2\nkind: [', 'bad.yaml']);
    expect(problems.status).toBe(200);
    expect((problems.body.value as unknown[]).length).toBeGreaterThan(0);
    // A method that returns nothing (undefined) answers null; a missing record is null too.
    expect((await call('saveViewState', ['server.test', { a: 1 }])).body).toEqual({ ok: true, value: null });
    expect((await call('getExperiment', [5])).body).toEqual({ ok: true, value: null });
    // The page's own origin is welcome.
    expect((await call('info', [], { origin: server.url })).status).toBe(200);
    expect((await call('info', [], { origin: `http://localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses a call without the token, with a wrong one, and from a foreign origin (403)', async () => {
    const body = JSON.stringify({ args: [] });
    const missing = await fetch(`${server.url}/api/info`, { method: 'POST', body });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({
      ok: false,
      error: expect.stringMatching(/needs its token/),
    });
    const wrong = await call('info', [], { authorization: `Bearer ${'b'.repeat(64)}` });
    expect(wrong).toMatchObject({
      status: 403,
      body: { ok: false, error: expect.stringMatching(/does not match/) },
    });
    const foreign = await call('info', [], { origin: 'http://evil.example' });
    expect(foreign).toMatchObject({ status: 403, body: { error: expect.stringMatching(/evil\.example/) } });
    // Another port on the same machine is another origin.
    expect((await call('info', [], { origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403);
    expect((await call('info', [], { origin: 'null' })).status).toBe(403);
  });

  it('refuses a Host that is not the bound address (DNS rebinding), also for static files', async () => {
    const headers = { host: `evil.example:${server.port}`, authorization: `Bearer ${token}` };
    const api = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/info',
      headers,
      body: '{"args":[]}',
    });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body).error).toMatch(/DNS rebinding/);
    expect((await rawRequest(server.url, { path: '/', headers: { host: 'evil.example' } })).status).toBe(403);
    const localhost = await rawRequest(server.url, {
      path: '/',
      headers: { host: `localhost:${server.port}` },
    });
    expect(localhost.status).toBe(200);
  });

  it('answers an unknown method 404 with the methods, a bad argument 400 with the checker’s message', async () => {
    const unknown = await call('dropDatabase', []);
    expect(unknown.status).toBe(404);
    expect(unknown.body.methods).toEqual([...labApiMethods]);
    expect(unknown.body.error).toMatch(/no LabApi method "dropDatabase".*listExperiments/);
    expect((await call('toString', [])).status).toBe(404);
    const bad = await call('getExperiment', ['1; DROP TABLE runs']);
    expect(bad).toEqual({
      status: 400,
      body: {
        ok: false,
        error: 'LabApi.getExperiment: argument 1 must be a positive integer id, got "1; DROP TABLE runs"',
      },
    });
    expect((await call('cancelExperiment', [5])).body.error).toMatch(/there is no experiment 5/);
    const notJson = await fetch(`${server.url}/api/info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '{args: [',
    });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error).toMatch(/not JSON/);
    const get = await fetch(`${server.url}/api/info`, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);
    const tooLarge = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/saveViewState',
      headers: { authorization: `Bearer ${token}`, 'content-length': String(21 * 1024 * 1024) },
    }).catch((error: Error) => ({ status: -1, body: error.message }));
    expect(tooLarge.status).toBe(413);
  });
});

describe('progress over a WebSocket', () => {
  it('refuses an upgrade without the token, with a wrong one or from a foreign origin (403)', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/api/progress`)).toBe(403);
    expect(await upgradeStatus(progressUrl('b'.repeat(64)))).toBe(403);
    expect(await upgradeStatus(progressUrl(), 'http://evil.example')).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/api/other?token=${token}`)).toBe(404);
    expect(await upgradeStatus(progressUrl(), server.url)).toBe(101);
  });

  it('pushes progress as an experiment runs, and takes a reconnect with the same token', async () => {
    const first = await openProgressSocket(progressUrl(), server.url);
    const created = await call('createExperiment', [
      definitionYaml({
        problem: 'stepDelayMs: 2',
        training: '{ steps: 200, evalEvery: 50 }',
        optimizer: '{ name: sgd, lr: 0.1 }',
      }),
      'over-http.yaml',
    ]);
    expect(created.body).toMatchObject({ ok: true, value: { ok: true } });
    const { experimentId } = created.body.value as { experimentId: number };
    await expect.poll(() => first.messages.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(first.messages[0]).toMatchObject({ experimentId });
    // The page loses its socket and comes back with the token it has.
    first.ws.terminate();
    const second = await openProgressSocket(progressUrl(), server.url);
    await service.whenIdle();
    await expect
      .poll(() =>
        (second.messages as ProgressEvent[]).some((e) => e.type === 'experiment' && e.status === 'completed'),
      )
      .toBe(true);
    expect((second.messages as ProgressEvent[]).every((e) => e.experimentId === experimentId)).toBe(true);
    second.ws.close();
    await second.closed;
  });

  it('drops a connection that stops answering pings', async () => {
    await expect.poll(() => server.progressConnections).toBe(0);
    // A WebSocket handshake by hand, from a peer that then never answers a ping.
    const socket = connect(server.port, '127.0.0.1');
    socket.write(
      `GET /api/progress?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.on('data', () => {});
    await expect.poll(() => server.progressConnections).toBe(1);
    await ended;
    await expect.poll(() => server.progressConnections).toBe(0);
  });
});

describe('the app’s files', () => {
  it('serves index.html with the page’s security headers, without the token', async () => {
    const page = await fetch(`${server.url}/?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<title>Curriculum Lab<\/title>/);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${server.port}`,
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "object-src 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    const script = await fetch(`${server.url}/assets/app-1234.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('serves nothing outside the build', async () => {
    symlinkSync(join(projectRoot, 'package.json'), join(rendererDirectory, 'linked.json'));
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/..%5cpackage.json',
      '/linked.json',
      '/assets/',
      '//etc/passwd',
    ]) {
      const response = await rawRequest(server.url, { path });
      expect([400, 404], path).toContain(response.status);
      expect(response.body, path).not.toMatch(/curriculum-lab|root:/);
    }
  });
});

describe('starting and stopping', () => {
  it('says which port is taken when a second server starts on it', async () => {
    const second = createLabServer({
      api: service,
      host: '127.0.0.1',
      port: server.port,
      token,
      rendererDirectory,
    });
    await expect(second).rejects.toThrow(
      `port ${server.port} is taken (another lab serve?): use --port <n> or stop the other server`,
    );
  });

  it('closes its WebSockets and frees the port; a new server there takes the same page back', async () => {
    const socket = await openProgressSocket(progressUrl(), server.url);
    const { port } = server;
    const started = Date.now();
    await server.close();
    expect(await socket.closed).toBe(1001);
    expect(Date.now() - started).toBeLessThan(1500);
    server = await createLabServer({ api: service, host: '127.0.0.1', port, token, rendererDirectory });
    expect(await upgradeStatus(progressUrl(), server.url)).toBe(101);
    expect((await call('info', [])).status).toBe(200);
  });
});
