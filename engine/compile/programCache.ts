// The on-disk program cache: a program lowered in one process is reused by the next process
// that compiles the same graph for the same shapes, skipping T.fn's rewrites and the lowering
// (Theano's compiledir, for whole programs). One file per graph key and shape signature in
// $LAB_PROGRAM_CACHE_DIR, else $XDG_CACHE_HOME/curriculum-lab/programs, else
// ~/.cache/curriculum-lab/programs; LAB_PROGRAM_CACHE=off turns it off. Its first line is a JSON
// header: the program without its steps, and what the backend prepared from it (the cpu
// backend's packed executor spec, so a reuse neither builds nor packs that again); the second
// line is the steps' JSON, parsed only when something asks for them (debugprint, a profile).
//
// A cached program is reused only when everything it was made from is the same: the graph
// (graphKey.ts), the rewrite mode, the backend's build (its programCacheIdentity) and the sources
// of the engine's compiler — core, graph, ops, rewrite, compile, backends, custom — by size and
// modification time: editing a rewrite or an op invalidates every entry. Files appear by an
// atomic rename; one that cannot be read or does not parse is a miss that gets written again,
// never an error. A hit refreshes its file's modification time, and once the directory outgrows
// $LAB_PROGRAM_CACHE_MAX_MB (512 MiB) the least recently used entries go (entries an engine change made stale are never
// hit again, so they go first).
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocate, type DType, type HostArray } from '../core/dtype.ts';
import { NDArray } from '../core/ndarray.ts';
import type { Program, ProgramBuffer, Step } from './program.ts';
import type { CacheableProgram, PreparedForm } from '../backends/backend.ts';
import { engineCacheDirectory } from './cacheDirectory.ts';

/** Bump when the file layout below changes. */
const FORMAT = 2;
/** The directory's size above which the least recently used programs are removed (it is brought
 * back to three quarters of it): $LAB_PROGRAM_CACHE_MAX_MB, else 512 MiB. */
function maxBytes(): number {
  const mib = Number(process.env.LAB_PROGRAM_CACHE_MAX_MB);
  return (Number.isFinite(mib) && mib > 0 ? mib : 512) * 2 ** 20;
}

export function programCacheRoot(): string {
  return engineCacheDirectory('programs', process.env.LAB_PROGRAM_CACHE_DIR);
}

export function programCacheEnabled(): boolean {
  return process.env.LAB_PROGRAM_CACHE !== 'off';
}

const engineDir = dirname(dirname(fileURLToPath(import.meta.url)));
/** The engine's folders whose code turns a graph into a program (the graph itself is in the key). */
const compilerFolders = ['core', 'graph', 'ops', 'rewrite', 'compile', 'backends', 'custom'];
let compilerStamp: string | undefined;

/** The compiler's sources as of now: every .ts file's path, size and modification time. */
function compilerSourcesStamp(): string {
  if (compilerStamp === undefined) {
    const lines: string[] = [];
    const visit = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith('.ts')) {
          const stat = statSync(path);
          lines.push(`${path} ${stat.size} ${stat.mtimeMs}`);
        }
      }
    };
    for (const folder of compilerFolders) visit(join(engineDir, folder));
    compilerStamp = createHash('sha256').update(lines.join('\n')).digest('hex');
  }
  return compilerStamp;
}

/** What besides the graph a cached program depends on; part of its key. */
export function cacheContext(backendIdentity: string, mode: string): string {
  return `format ${FORMAT}|engine ${compilerSourcesStamp()}|backend ${backendIdentity}|mode ${mode}`;
}

/** A program as read back from the cache: steps carry no graph node (`node: null`). */
export interface CachedProgram extends CacheableProgram {
  /** For each index of the program's shared list, the index into the graph key's shared list. */
  readonly sharedOrder: readonly number[];
}

interface EncodedArray {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly base64: string;
}

/** A backend's prepared form with its typed arrays as bytes. */
interface EncodedForm {
  readonly arrays: Readonly<Record<string, EncodedArray>>;
  readonly rest: Readonly<Record<string, unknown>>;
}

interface CacheFile {
  readonly format: number;
  readonly key: string;
  readonly signature: string;
  readonly trace: string;
  readonly sharedOrder: readonly number[];
  readonly program: Omit<Program, 'buffers' | 'steps'> & {
    readonly buffers: readonly (Omit<ProgramBuffer, 'value'> & { readonly value?: EncodedArray })[];
  };
  /** How many steps the program has (they follow this header, on the file's next line). */
  readonly stepCount: number;
  readonly prepared?: EncodedForm;
}

function encodeArray(a: NDArray): EncodedArray {
  const data = a.contiguous().data;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { dtype: a.dtype, shape: [...a.shape], base64: bytes.toString('base64') };
}

function decodeArray(e: EncodedArray): NDArray {
  const size = e.shape.reduce((p, d) => p * d, 1);
  const data = allocate(e.dtype, size);
  const bytes = Buffer.from(e.base64, 'base64');
  if (bytes.byteLength !== data.byteLength) throw new Error('constant of the wrong length');
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return new NDArray(data, e.shape);
}

function encodeForm(form: PreparedForm): EncodedForm {
  const arrays: Record<string, EncodedArray> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    if (ArrayBuffer.isView(value))
      arrays[key] = encodeArray(new NDArray(value as HostArray, [(value as HostArray).length]));
    else rest[key] = value;
  }
  return { arrays, rest };
}

function decodeForm(encoded: EncodedForm, special: boolean): PreparedForm {
  const form: Record<string, unknown> = special
    ? (restoreNumbers(encoded.rest) as Record<string, unknown>)
    : { ...encoded.rest };
  for (const [key, value] of Object.entries(encoded.arrays)) form[key] = decodeArray(value).data;
  return form;
}

// JSON has no infinities, NaN or negative zero; attrs (clip bounds, reduction identities) do.
// They are written as {"$number": "-Infinity"} and restored in the attrs alone after parsing (a
// JSON.parse reviver visiting every value of a 0.5 MB program costs more than the rest of a read).
const SPECIAL = '$number';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) {
    return { [SPECIAL]: Object.is(value, -0) ? '-0' : String(value) };
  }
  return value;
}

function restoreNumbers(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(restoreNumbers);
  const record = value as Record<string, unknown>;
  if (SPECIAL in record) return Number(record[SPECIAL]);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, restoreNumbers(v)]));
}

function fileFor(key: string, signature: string): string {
  const sig = createHash('sha256').update(signature).digest('hex').slice(0, 16);
  return join(programCacheRoot(), `${key}-${sig}.json`);
}

/** Is there any cached program for this graph key (whatever the shapes)? */
export function hasCachedPrograms(key: string): boolean {
  const root = programCacheRoot();
  if (!existsSync(root)) return false;
  return readdirSync(root).some((name) => name.startsWith(`${key}-`) && name.endsWith('.json'));
}

/** The cached program for `key` and `signature`, or null (absent, unreadable, another format). */
export function loadCachedProgram(key: string, signature: string): CachedProgram | null {
  let file: CacheFile;
  let special: boolean;
  let stepsText: string;
  const path = fileFor(key, signature);
  try {
    const text = readFileSync(path, 'utf8');
    special = text.includes(`"${SPECIAL}"`); // most programs have none: skip the walk
    const newline = text.indexOf('\n');
    if (newline < 0 || !text.endsWith(']')) return null; // not this layout, or cut short
    file = JSON.parse(text.slice(0, newline)) as CacheFile;
    stepsText = text.slice(newline + 1);
  } catch {
    return null;
  }
  if (file.format !== FORMAT || file.key !== key || file.signature !== signature) return null;
  try {
    const program: Program = {
      ...file.program,
      buffers: file.program.buffers.map((b) => ({ ...b, value: b.value ? decodeArray(b.value) : undefined })),
      steps: [],
    };
    // The steps are read when first asked for (debugprint, a profile): preparing the program
    // needs only the buffers and the backend's prepared form, and parsing the steps was most of
    // a read.
    let steps: Step[] | undefined;
    Object.defineProperty(program, 'steps', {
      enumerable: true,
      get: (): Step[] => {
        steps ??= (JSON.parse(stepsText) as Omit<Step, 'node'>[]).map((s) => ({
          ...s,
          attrs: special ? (restoreNumbers(s.attrs) as Step['attrs']) : s.attrs,
          node: null,
        }));
        return steps;
      },
    });
    touch(path);
    const prepared = file.prepared ? decodeForm(file.prepared, special) : undefined;
    return { program, sharedOrder: file.sharedOrder, prepared };
  } catch {
    return null;
  }
}

/** Marks an entry as just used (eviction removes the least recently used first). */
function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // A read-only cache still serves; its entries just age.
  }
}

/** Removes the least recently used entries once the directory holds more than maxBytes(). */
function evictLeastRecentlyUsed(): void {
  const files = cacheFiles();
  let total = files.reduce((sum, f) => sum + f.size, 0);
  const limit = maxBytes();
  if (total <= limit) return;
  for (const file of files.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= 0.75 * limit) break;
    rmSync(file.path, { force: true });
    total -= file.size;
  }
}

/** The cache's program files with their sizes and last use. */
function cacheFiles(): { path: string; size: number; mtimeMs: number }[] {
  const root = programCacheRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const path = join(root, name);
      const { size, mtimeMs } = statSync(path);
      return { path, size, mtimeMs };
    });
}

/** Writes the program for `key` and `signature` (atomically; a failure to write is not an error). */
export function storeCachedProgram(
  key: string,
  signature: string,
  cached: CachedProgram,
  trace: string,
): void {
  const { steps, ...program } = cached.program;
  const file: CacheFile = {
    format: FORMAT,
    key,
    signature,
    trace,
    sharedOrder: cached.sharedOrder,
    program: {
      ...program,
      buffers: program.buffers.map((b) => ({ ...b, value: b.value ? encodeArray(b.value) : undefined })),
    },
    stepCount: steps.length,
    prepared: cached.prepared ? encodeForm(cached.prepared) : undefined,
  };
  const stepsText = JSON.stringify(
    steps.map(({ node: _node, ...step }) => step),
    replacer,
  );
  const path = fileFor(key, signature);
  const partial = `${path}.${process.pid}.partial`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(partial, `${JSON.stringify(file, replacer)}\n${stepsText}`);
    renameSync(partial, path);
    evictLeastRecentlyUsed();
  } catch {
    // A read-only or full cache directory costs the next process a compile, nothing else.
    rmSync(partial, { force: true });
  }
}

export interface CachedProgramEntry {
  readonly path: string;
  /** Where the function was compiled (the user's file:line). */
  readonly trace: string;
  readonly steps: number;
  readonly size: number;
  readonly ageSeconds: number;
}

/** Every cached program, most recently used first. */
export function listCachedPrograms(): CachedProgramEntry[] {
  return cacheFiles()
    .map(({ path, size, mtimeMs }) => {
      let trace = '?';
      let steps = 0;
      try {
        const text = readFileSync(path, 'utf8');
        const file = JSON.parse(text.slice(0, text.indexOf('\n'))) as CacheFile;
        trace = file.trace;
        steps = file.stepCount;
      } catch {
        // An unreadable entry still lists (and clears).
      }
      return { path, trace, steps, size, ageSeconds: (Date.now() - mtimeMs) / 1000 };
    })
    .sort((a, b) => a.ageSeconds - b.ageSeconds);
}

/** Removes every cached program; returns how many went. Safe: a function compiles again. */
export function clearCachedPrograms(): number {
  const root = programCacheRoot();
  if (!existsSync(root)) return 0;
  let count = 0;
  for (const name of readdirSync(root)) {
    if (name.endsWith('.json')) count++;
    rmSync(join(root, name), { recursive: true, force: true });
  }
  return count;
}
