// LabApi over HTTP: `POST /api/<method>` with `{"args": [...]}` answers `{"ok": true, "value": …}`;
// an argument the checker refuses or an error of the lab answers 400 `{"ok": false, "error": "…"}`
// with the lab's own message. The handlers check every argument (main/api/labApiTransport.ts);
// this file only moves JSON, so no lab logic lives in the server.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { labApiMethods, type LabApiMethod } from '../api/labApi.ts';
import type { LabApiHandlers } from '../api/labApiTransport.ts';
import { UserError } from '../userError.ts';

/** Largest request body. Definitions and view state are each checked at ≤ 1 MB further in. */
export const maxBodyBytes = 20 * 1024 * 1024;

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    status = 500;
    text = JSON.stringify({ ok: false, error: `the lab's answer is not JSON: ${(error as Error).message}` });
  }
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

function isMethod(name: string): name is LabApiMethod {
  return (labApiMethods as readonly string[]).includes(name);
}

type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; error: string };

async function readBody(request: IncomingMessage): Promise<BodyResult> {
  const tooLarge = {
    ok: false,
    status: 413,
    error: `the request body is over ${maxBodyBytes / 1024 / 1024} MB`,
  } as const;
  if (Number(request.headers['content-length'] ?? 0) > maxBodyBytes) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBodyBytes) return tooLarge;
      chunks.push(chunk);
    }
  } catch (error) {
    return { ok: false, status: 400, error: `the request body broke off: ${(error as Error).message}` };
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

/** The `args` of a request body: `{"args": [...]}`, or an empty body for a call without any. */
function parseArgs(text: string): { ok: true; args: unknown[] } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, args: [] };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      error: `the request body is not JSON (${(error as Error).message}): send {"args": [...]}`,
    };
  }
  const args = (body as { args?: unknown } | null)?.args;
  if (!Array.isArray(args)) return { ok: false, error: 'the request body must be {"args": [...]}' };
  return { ok: true, args };
}

/**
 * Errors that are not the caller's: a lab bug (TypeError and kin). The caller still gets the
 * message; the server's log gets the stack, to be reported.
 */
function isBug(error: unknown): boolean {
  return !(error instanceof UserError) && error instanceof Error && error.constructor !== Error;
}

/** Answers one API request whose token, Host and Origin have been checked. */
export async function handleApiCall(
  handlers: LabApiHandlers,
  method: string,
  request: IncomingMessage,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  if (!isMethod(method)) {
    const error = `there is no LabApi method "${method}": the methods are ${labApiMethods.join(', ')}`;
    sendJson(response, 404, { ok: false, error, methods: labApiMethods }, headers);
    return;
  }
  if (request.method !== 'POST') {
    const error = `LabApi.${method} is called with POST /api/${method} and {"args": [...]}, not ${request.method}`;
    sendJson(response, 405, { ok: false, error }, { ...headers, Allow: 'POST' });
    return;
  }
  const body = await readBody(request);
  if (!body.ok) {
    // Unread data may still be arriving: do not let it be taken for a next request.
    sendJson(response, body.status, { ok: false, error: body.error }, { ...headers, Connection: 'close' });
    return;
  }
  const parsed = parseArgs(body.text);
  if (!parsed.ok) {
    sendJson(response, 400, { ok: false, error: parsed.error }, headers);
    return;
  }
  try {
    const value = await handlers[method](parsed.args);
    // A method that returns nothing answers null: JSON has no undefined.
    sendJson(response, 200, { ok: true, value: value ?? null }, headers);
  } catch (error) {
    if (isBug(error)) console.error(`lab serve: LabApi.${method} failed unexpectedly:`, error);
    sendJson(response, 400, { ok: false, error: (error as Error).message ?? String(error) }, headers);
  }
}
