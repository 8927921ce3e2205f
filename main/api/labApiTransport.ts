// LabApi over a message transport — Electron IPC now, HTTP + WebSocket in browser mode. The
// client side turns each LabApi call into one named message; the server side checks every
// argument before it reaches the lab, because a renderer is not trusted to send what the types
// say. Neither side imports Electron, so both are tested without it.
import type { LabApi, ProgressEvent } from './labApi.ts';

/** Every request/response call of LabApi (progress is a separate subscription). */
export const labApiMethods = [
  'info',
  'listExperiments',
  'getExperiment',
  'createExperiment',
  'cancelExperiment',
  'resumeExperiment',
  'metricNames',
  'metricSeries',
  'listCurricula',
  'readCurriculum',
  'validateDefinition',
] as const satisfies readonly Exclude<keyof LabApi, 'onProgress'>[];

export type LabApiMethod = (typeof labApiMethods)[number];

// Fails to compile if LabApi gains a call that is missing from labApiMethods.
type NothingMissing<Missing extends never> = Missing;
export type LabApiMethodsAreComplete = NothingMissing<
  Exclude<Exclude<keyof LabApi, 'onProgress'>, LabApiMethod>
>;

/** The IPC channel (or HTTP path segment) of a method: one per call. */
export function labApiChannel(method: LabApiMethod): string {
  return `lab:${method}`;
}

/** Where progress events are pushed. */
export const labProgressChannel = 'lab:progress';

export interface LabApiTransport {
  invoke(method: LabApiMethod, args: unknown[]): Promise<unknown>;
  subscribe(listener: (event: ProgressEvent) => void): () => void;
}

/** A LabApi whose calls travel over `transport` (what the preload exposes to the renderer). */
export function createLabApiClient(transport: LabApiTransport): LabApi {
  const call =
    (method: LabApiMethod) =>
    (...args: unknown[]) =>
      transport.invoke(method, args);
  const client = Object.fromEntries(labApiMethods.map((method) => [method, call(method)]));
  return { ...client, onProgress: (listener) => transport.subscribe(listener) } as LabApi;
}

type ArgumentCheck = (value: unknown) => string | null;

const id: ArgumentCheck = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'a positive integer id');
const text: ArgumentCheck = (v) => (typeof v === 'string' ? null : 'text');
const optionalQuery: ArgumentCheck = (v) => {
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null) return 'a query object or nothing';
  for (const [key, value] of Object.entries(v)) {
    if (!['maxPoints', 'fromStep', 'toStep'].includes(key))
      return `a query with maxPoints, fromStep, toStep (not ${key})`;
    if (typeof value !== 'number' || !Number.isFinite(value)) return `a query whose ${key} is a number`;
  }
  return null;
};

const argumentChecks: Record<LabApiMethod, ArgumentCheck[]> = {
  info: [],
  listExperiments: [],
  getExperiment: [id],
  createExperiment: [text, text],
  cancelExperiment: [id],
  resumeExperiment: [id],
  metricNames: [id],
  metricSeries: [id, text, optionalQuery],
  listCurricula: [],
  readCurriculum: [text],
  validateDefinition: [text, text],
};

/**
 * The server side: one handler per method, each validating its arguments before calling `api`.
 * Register them on the transport (ipcMain.handle(labApiChannel(m), (e, ...args) => …)).
 */
export function labApiHandlers(api: LabApi): Record<LabApiMethod, (args: unknown[]) => Promise<unknown>> {
  const entries = labApiMethods.map((method) => {
    const checks = argumentChecks[method];
    const handler = async (args: unknown[]) => {
      if (args.length > checks.length) {
        throw new Error(`LabApi.${method} takes ${checks.length} argument(s), got ${args.length}`);
      }
      checks.forEach((check, i) => {
        const expected = check(args[i]);
        if (expected)
          throw new Error(
            `LabApi.${method}: argument ${i + 1} must be ${expected}, got ${JSON.stringify(args[i])}`,
          );
      });
      return (api[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    return [method, handler] as const;
  });
  return Object.fromEntries(entries) as Record<LabApiMethod, (args: unknown[]) => Promise<unknown>>;
}
