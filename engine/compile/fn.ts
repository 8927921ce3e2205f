// fn: compile a graph into a callable (Theano's theano.function). Rewrites run once, here;
// lowering to a program happens on the first call with each input-shape signature and is cached,
// so a training loop with fixed batch shapes lowers once.
import { sharingCallSite, userCallSite } from '../core/callSite.ts';
import { isShared, type SharedVariable, type Variable } from '../core/graph.ts';
import { NDArray, type Shape } from '../core/ndarray.ts';
import { resolveBackend, type Backend, type BackendChoice, type Executable } from '../backends/backend.ts';
import '../backends/js.ts';
import { typesCompatible, type Givens } from '../graph/clone.ts';
import { FunctionGraph } from '../graph/functionGraph.ts';
import { debugprint, type DebugprintOptions } from '../printing/debugprint.ts';
import { rewriteGraph, type RewriteMode } from '../rewrite/pipeline.ts';
import { compileProgram, shapeSignature, type LoweringRequest } from './lower.ts';
import { graphKey, type GraphKey } from './graphKey.ts';
import {
  cacheContext,
  hasCachedPrograms,
  loadCachedProgram,
  programCacheEnabled,
  storeCachedProgram,
} from './programCache.ts';
import type { Program } from './program.ts';

export type Update = readonly [SharedVariable, Variable];

export interface FnOptions {
  /** New values for shared variables, applied after every output is computed. */
  readonly updates?: ReadonlyArray<Update>;
  /** Substitutions made in the graph before compiling (a variable → the graph that replaces it). */
  readonly givens?: Givens;
  /** Where the program runs; 'auto' (default) picks cuda, then cpu, then js. */
  readonly backend?: BackendChoice | Backend;
  /** The device to run on, for callers that choose by device: 'cuda' (the GPU), 'cpu' (the native
   * executor) or 'auto' (the GPU where one is usable). `backend` wins when both are given. */
  readonly device?: 'auto' | 'cpu' | 'cuda';
  /** Which rewrites run (all by default). */
  readonly mode?: RewriteMode;
}

export type InputValue = NDArray | number;

export interface CompiledFunction {
  (...inputs: InputValue[]): NDArray | NDArray[];
  /** The rewritten graph (outputs first, then update values). */
  readonly fgraph: FunctionGraph;
  readonly outputCount: number;
  readonly updateTargets: readonly SharedVariable[];
  readonly backend: Backend;
  /** Where the user built this function. */
  readonly trace: string;
  /** Programs lowered so far, by input-shape signature. */
  readonly programs: ReadonlyMap<string, Program>;
  /** The program the last call ran (undefined before the first call). */
  readonly lastProgram: Program | undefined;
  /** The backend's executable of that program. */
  readonly lastExecutable: Executable | undefined;
  /** The rewritten graph and the last program as text (see printing/debugprint.ts). */
  debugprint(options?: DebugprintOptions): string;
  /**
   * Lowers and prepares the program for these inputs' shapes without running it (a call does
   * the same on first sight of a shape signature), so compile time can be paid — or timed —
   * apart from the first run. The values are checked as a call checks them; none is read.
   */
  prepare(...inputs: InputValue[]): void;
}

function checkUpdates(updates: ReadonlyArray<Update>): void {
  const seen = new Set<Variable>();
  for (const [target, value] of updates) {
    if (!isShared(target)) {
      throw new Error(
        `fn: update target ${String(target)} is not a shared variable; only T.shared(…) values can be updated`,
      );
    }
    if (seen.has(target)) throw new Error(`fn: shared variable ${target.toString()} is updated twice`);
    seen.add(target);
    if (!typesCompatible(target.type, value.type)) {
      throw new Error(
        `fn: the update for ${target.toString()} (${target.type.toString()}) has type ${value.type.toString()}; ` +
          'cast or reshape the new value to the shared variable’s type',
      );
    }
  }
}

function sharedOf(fgraph: FunctionGraph, targets: readonly SharedVariable[]): SharedVariable[] {
  const found = new Set<SharedVariable>();
  for (const node of fgraph.toposort()) for (const u of node.inputs) if (isShared(u)) found.add(u);
  for (const v of fgraph.outputs) if (isShared(v)) found.add(v);
  for (const t of targets) found.add(t);
  return [...found];
}

/** The graph's key for the on-disk program cache, or null when this function is not cached. */
function programCacheKey(
  inputs: readonly Variable[],
  roots: readonly Variable[],
  updateTargets: readonly SharedVariable[],
  backend: Backend,
  options: FnOptions,
): GraphKey | null {
  if (!programCacheEnabled() || !backend.programCacheIdentity || !backend.programForCache) return null;
  if ((options.givens?.length ?? 0) > 0) return null;
  const mode = JSON.stringify([...(options.mode?.exclude ?? [])].sort());
  let context: string;
  try {
    context = cacheContext(backend.programCacheIdentity(), mode);
  } catch {
    // The backend's build or the engine's sources (absent beside a bundle) cannot be identified:
    // compile as if there were no cache.
    return null;
  }
  return graphKey(inputs, roots, updateTargets, context);
}

export function fn(
  inputs: readonly Variable[],
  outputs: Variable | readonly Variable[],
  options: FnOptions = {},
): CompiledFunction {
  const trace = userCallSite();
  const single = !Array.isArray(outputs);
  const outputList = single ? [outputs as Variable] : (outputs as readonly Variable[]);
  const updates = options.updates ?? [];
  checkUpdates(updates);

  const roots = [...outputList, ...updates.map(([, value]) => value)];
  const updateTargets = updates.map(([target]) => target);
  const backend = resolveBackend(options.backend ?? options.device ?? 'auto');
  const cacheKey = programCacheKey(inputs, roots, updateTargets, backend, options);
  let request: LoweringRequest | undefined;
  /** The rewritten graph: made at most once, and not at all while cached programs serve every call. */
  const rewritten = (): LoweringRequest => {
    request ??= sharingCallSite(() => {
      const fgraph = FunctionGraph.fromUserGraph(inputs, roots, options.givens);
      fgraph.declareUpdates(updateTargets, outputList.length);
      rewriteGraph(fgraph, options.mode);
      if (!options.mode?.exclude?.includes('all')) backend.placeGraph?.(fgraph);
      const shared = sharedOf(fgraph, updateTargets);
      return { fgraph, outputCount: outputList.length, updateTargets, shared };
    });
    return request;
  };
  // Rewrite now, as always, unless a cached program may make it unnecessary: a graph that fails
  // to compile still fails here, at the user's T.fn line (a cached graph compiled before).
  if (!cacheKey || !hasCachedPrograms(cacheKey.key)) rewritten();
  // The shared variables whose shapes enter a call's signature: the key's when caching.
  const signatureShared = cacheKey ? cacheKey.shared : rewritten().shared;
  const programs = new Map<string, Program>();
  const executables = new Map<string, Executable>();
  let lastProgram: Program | undefined;
  let lastExecutable: Executable | undefined;

  /** The program for this signature from the disk cache, prepared; undefined on a miss. */
  const fromCache = (
    key: GraphKey,
    signature: string,
  ): { program: Program; executable: Executable } | undefined => {
    const cached = loadCachedProgram(key.key, signature);
    if (!cached) return undefined;
    try {
      const shared = cached.sharedOrder.map((i) => key.shared[i]);
      return {
        program: cached.program,
        executable: backend.prepare(cached.program, shared, cached.prepared),
      };
    } catch {
      return undefined; // a program this build refuses (e.g. a step it now runs as JavaScript): compile afresh
    }
  };

  /** Lowers and prepares from the rewritten graph, and caches the program when it can. */
  const lowered = (
    signature: string,
    inputShapes: readonly Shape[],
  ): { program: Program; executable: Executable } => {
    const lowering = rewritten();
    const { shared } = lowering;
    const program = compileProgram(
      lowering,
      inputShapes,
      shared.map((s) => s.shape),
    );
    const executable = backend.prepare(program, shared);
    const forCache = cacheKey && backend.programForCache?.(program, executable);
    if (forCache) {
      const sharedOrder = shared.map((s) => cacheKey.shared.indexOf(s));
      if (sharedOrder.every((i) => i >= 0))
        storeCachedProgram(cacheKey.key, signature, { ...forCache, sharedOrder }, trace);
    }
    return { program, executable };
  };

  const toValue = (value: InputValue, i: number): NDArray => {
    const v = inputs[i];
    const array = typeof value === 'number' ? NDArray.scalar(value, v.dtype) : value;
    const mismatch = array instanceof NDArray ? v.type.mismatch(array) : 'something that is not an NDArray';
    if (mismatch) {
      throw new Error(
        `function compiled at ${trace}: input ${i} (${v.toString()}) expects ${v.type.toString()} but got ${mismatch}`,
      );
    }
    return array;
  };

  /** The executable for these inputs' shapes, lowered and prepared on first sight of them. */
  const executableFor = (args: readonly InputValue[]): { values: NDArray[]; executable: Executable } => {
    if (args.length !== inputs.length) {
      throw new Error(
        `function compiled at ${trace} takes ${inputs.length} inputs ` +
          `(${inputs.map((v) => v.toString()).join(', ')}) but was called with ${args.length}`,
      );
    }
    const values = args.map(toValue);
    const inputShapes = values.map((a) => a.shape);
    const signature = shapeSignature(
      [...inputShapes, ...signatureShared.map((s) => s.shape)],
      [...inputs, ...signatureShared].map((v) => v.dtype),
    );
    let executable = executables.get(signature);
    if (!executable) {
      const made = (cacheKey && fromCache(cacheKey, signature)) || lowered(signature, inputShapes);
      executable = made.executable;
      programs.set(signature, made.program);
      executables.set(signature, executable);
    }
    lastProgram = programs.get(signature);
    lastExecutable = executable;
    return { values, executable };
  };

  const call = (...args: InputValue[]): NDArray | NDArray[] => {
    const { values, executable } = executableFor(args);
    const results = executable.run(values);
    return single ? results[0] : results;
  };

  const compiled = Object.assign(call, {
    fgraph: undefined as unknown as FunctionGraph,
    outputCount: outputList.length,
    updateTargets,
    backend,
    trace,
    programs,
    lastProgram: undefined as Program | undefined,
    lastExecutable: undefined as Executable | undefined,
    debugprint: (printOptions?: DebugprintOptions): string => debugprint(compiled, printOptions),
    prepare: (...args: InputValue[]): void => {
      executableFor(args);
    },
  });
  // A getter, so the property follows the calls (Object.assign would copy one value).
  Object.defineProperty(compiled, 'lastProgram', { get: () => lastProgram });
  Object.defineProperty(compiled, 'lastExecutable', { get: () => lastExecutable });
  Object.defineProperty(compiled, 'fgraph', { get: () => rewritten().fgraph });
  return compiled;
}
