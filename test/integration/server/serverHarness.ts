// What the server tests share: a stand-in renderer build (two files, so no Vite build is needed),
// raw HTTP requests (fetch normalises paths such as /../x and forbids setting Host, which the
// traversal and DNS-rebinding checks need), WebSocket helpers, and processes started as a person
// would start them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { projectRoot } from '../../../main/paths.ts';

/** A directory that looks like dist/renderer: index.html and one hashed asset. */
export function standInRendererBuild(): string {
  const directory = mkdtempSync(join(tmpdir(), 'lab-renderer-'));
  mkdirSync(join(directory, 'assets'));
  writeFileSync(
    join(directory, 'index.html'),
    '<!doctype html><title>Curriculum Lab</title><script type="module" src="./assets/app-1234.js"></script>\n',
  );
  writeFileSync(join(directory, 'assets', 'app-1234.js'), 'console.log("lab");\n');
  return directory;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request exactly as written (path and headers untouched). */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The status an upgrade is refused with, or 101 when the WebSocket opens (then it is closed). */
export function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (error) => reject(error));
  });
}

/** A WebSocket that keeps every message it receives, parsed. */
export async function openProgressSocket(url: string, origin?: string) {
  const ws = new WebSocket(url, origin ? { origin } : {});
  const messages: unknown[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, messages, closed };
}

export interface StartedProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts a Node script with the project's Node (this test's), collecting what it prints. */
export function startNode(args: string[], env: NodeJS.ProcessEnv = {}): StartedProcess {
  const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The URL with token that `lab serve` printed, once it has. */
export function printedUrl(started: StartedProcess): string | null {
  return /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})/.exec(started.stdout())?.[1] ?? null;
}
