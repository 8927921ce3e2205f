// The renderer's production build, served as files: GET and HEAD only, nothing outside the build
// directory (rendererFiles.ts decides), a content type per extension, and no token needed — the
// app bundle is not secret; what it can do needs the token.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { cacheControlOf, contentTypeOf, rendererFileOf, resolveInside } from './rendererFiles.ts';

function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders,
): void {
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

export async function serveStatic(
  rendererDirectory: string,
  urlPath: string,
  request: IncomingMessage,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, `the app's files are read with GET, not ${request.method}\n`, {
      ...headers,
      Allow: 'GET, HEAD',
    });
    return;
  }
  const wanted = rendererFileOf(urlPath);
  if (!wanted.ok) {
    sendText(response, wanted.status, `${wanted.reason}\n`, headers);
    return;
  }
  const file = await resolveInside(rendererDirectory, wanted.path);
  const found = file === null ? null : await stat(file).catch(() => null);
  if (file === null || !found?.isFile()) {
    sendText(response, 404, `${urlPath} is not a file of the app\n`, headers);
    return;
  }
  response.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeOf(wanted.path),
    'Content-Length': found.size,
    'Cache-Control': cacheControlOf(wanted.path),
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}
