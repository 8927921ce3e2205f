// The server side of LabApi over any message transport (Electron IPC, HTTP): one handler per
// method, each checking its arguments before they reach the lab, because a renderer is not
// trusted to send what the types say. Nothing here imports Electron or HTTP, so it is tested
// without either.
import { labBackendNames } from '../lab/backendNames.ts';
import { labApiMethods, type LabApi, type LabApiMethod } from './labApi.ts';

type ArgumentCheck = (value: unknown) => string | null;

const id: ArgumentCheck = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'a positive integer id');
const text: ArgumentCheck = (v) => (typeof v === 'string' ? null : 'text');
const optional =
  (check: ArgumentCheck): ArgumentCheck =>
  (v) =>
    v === undefined ? null : check(v);

/** An object with only the given keys, each passing its check. */
const object =
  (fields: Record<string, ArgumentCheck>, what: string): ArgumentCheck =>
  (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return what;
    for (const [key, value] of Object.entries(v)) {
      const check = fields[key];
      if (!check) return `${what} (with ${Object.keys(fields).join(', ')}; not ${key})`;
      const problem = check(value);
      if (problem) return `${what} whose ${key} is ${problem}`;
    }
    return null;
  };

const finiteNumber: ArgumentCheck = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'a number');
const positiveInteger: ArgumentCheck = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? null : 'a positive integer';
const oneOf =
  (...values: string[]): ArgumentCheck =>
  (v) =>
    values.includes(v as string) ? null : `one of ${values.join(', ')}`;
const listOf =
  (check: ArgumentCheck, what: string, max = 1000): ArgumentCheck =>
  (v) =>
    Array.isArray(v) && v.length <= max && v.every((item) => check(item) === null) ? null : what;
const required =
  (fields: Record<string, ArgumentCheck>, keys: string[], what: string): ArgumentCheck =>
  (v) =>
    object(fields, what)(v) ??
    (keys.every((k) => (v as Record<string, unknown>)[k] !== undefined) ? null : what);
/** A key for view state: short, printable. */
const viewKey: ArgumentCheck = (v) =>
  typeof v === 'string' && /^[\w.:/-]{1,200}$/.test(v)
    ? null
    : 'a view-state key (letters, digits, . : / - _)';
const json: ArgumentCheck = (v) => {
  try {
    return JSON.stringify(v).length <= 1_000_000 ? null : 'JSON under 1 MB';
  } catch {
    return 'a JSON value';
  }
};

const seriesQuery = object(
  { maxPoints: finiteNumber, fromStep: finiteNumber, toStep: finiteNumber },
  'a query object',
);
const runQuery = object({ experimentId: id, limit: positiveInteger }, 'a run query');
const compareQuery = required(
  {
    runIds: listOf(id, 'a list of at most 1000 run ids'),
    metric: text,
    groupBy: oneOf('run', 'config'),
    band: oneOf('std', 'ci95'),
    maxPoints: positiveInteger,
  },
  ['runIds', 'metric', 'groupBy', 'band'],
  'a compare query (runIds, metric, groupBy, band)',
);

const argumentChecks: Record<LabApiMethod, ArgumentCheck[]> = {
  info: [],
  listExperiments: [],
  getExperiment: [id],
  listRuns: [optional(runQuery)],
  getRun: [id],
  createExperiment: [text, text, optional(oneOf(...labBackendNames))],
  cancelExperiment: [id],
  resumeExperiment: [id],
  metricNames: [id],
  metricSeries: [id, text, optional(seriesQuery)],
  compareRuns: [compareQuery],
  exportMetricsCsv: [
    listOf(id, 'a list of at most 1000 run ids'),
    optional(listOf(text, 'a list of metric names')),
  ],
  exportExperiment: [id, oneOf('csv', 'json')],
  exportModel: [
    id,
    oneOf('onnx', 'safetensors', 'npz'),
    optional(oneOf('pytorch', 'keras', 'theano', 'lab')),
  ],
  describeGraph: [id],
  listCurricula: [],
  readCurriculum: [text],
  saveCurriculum: [text, text],
  validateDefinition: [text, text],
  listRoadmaps: [],
  roadmapVersions: [text],
  loadViewState: [viewKey],
  saveViewState: [viewKey, json],
};

export type LabApiHandlers = Record<LabApiMethod, (args: unknown[]) => Promise<unknown>>;

/**
 * One handler per method, each validating its arguments before calling `api`. Register them on
 * the transport (ipcMain.handle(labApiChannel(m), (e, ...args) => …), or an HTTP route).
 */
export function labApiHandlers(api: LabApi): LabApiHandlers {
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
            `LabApi.${method}: argument ${i + 1} must be ${expected}, got ${JSON.stringify(args[i])?.slice(0, 200)}`,
          );
      });
      return (api[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    return [method, handler] as const;
  });
  return Object.fromEntries(entries) as LabApiHandlers;
}
