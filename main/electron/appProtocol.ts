// The app:// protocol's answers: the renderer build's files with the app's CSP. Written against
// the Fetch API's Request and Response (what protocol.handle takes), without importing Electron,
// so it is tested in plain Node.
import { readFile } from 'node:fs/promises';
import { cacheControlOf, contentTypeOf, resolveInside } from '../server/rendererFiles.ts';
import { appContentSecurityPolicy, appRequestFile } from './security.ts';

const headers = {
  'Content-Security-Policy': appContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

export async function answerAppRequest(request: Request, rendererDirectory: string): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return plain(405, `the app's files are read with GET, not ${request.method}`);
  }
  const wanted = appRequestFile(request.url);
  if (!wanted.ok) return plain(wanted.status, wanted.reason);
  const file = await resolveInside(rendererDirectory, wanted.path);
  const body = file === null ? null : await readFile(file).catch(() => null);
  if (body === null) {
    const hint = wanted.path === 'index.html' ? ' (build the app: npm run build:renderer)' : '';
    return plain(404, `${request.url} is not a file of the app${hint}`);
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      ...headers,
      'Content-Type': contentTypeOf(wanted.path),
      'Cache-Control': cacheControlOf(wanted.path),
    },
  });
}
