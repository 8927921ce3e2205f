// Backends execute programs (engine/compile/PROGRAM.md). `js` is always here; the native `cpu`
// and `cuda` backends register themselves when their code loads, so the engine core never
// imports native code and builds and runs without it.
import type { SharedVariable } from '../core/graph.ts';
import type { NDArray } from '../core/ndarray.ts';
import type { Program } from '../compile/program.ts';
import type { FunctionGraph } from '../graph/functionGraph.ts';

/** A program prepared for repeated runs (buffers allocated, kernels resolved). */
export interface Executable {
  /** Run once: `inputs` in function-input order; returns the outputs; applies the updates. */
  run(inputs: readonly NDArray[]): NDArray[];
  /** Release what the backend holds (native buffers, shared-variable residences). */
  dispose(): void;
  /** Which steps this backend runs as JavaScript segments (the op's perform), where it differs
   * from the program's own `js` kernels: a native backend bridges some ops the program lowers to
   * JavaScript. Printers use it to mark the slow steps truthfully. */
  readonly jsSteps?: readonly boolean[];
}

/** What a backend made from a program while preparing it, kept beside the program in the
 * on-disk program cache so that a later process prepares the program without making it again
 * (the cpu backend: the executor's packed spec). JSON, with typed arrays (those an NDArray
 * holds) at its top level. */
export type PreparedForm = Readonly<Record<string, unknown>>;

/** A program as the on-disk cache keeps it. */
export interface CacheableProgram {
  /** The program, its steps free of graph nodes. */
  readonly program: Program;
  readonly prepared?: PreparedForm;
}

export interface Backend {
  readonly name: string;
  /** `shared[i]` is the shared variable program buffers with role `shared` and index i refer to.
   * `prepared`: what this backend's programForCache kept for the same program. */
  prepare(program: Program, shared: readonly SharedVariable[], prepared?: PreparedForm): Executable;
  /** A device backend's last rewrite, run by fn() after all others: placement (host↔device
   * transfers around the ops its device cannot run; engine/rewrite/placement.ts). */
  placeGraph?(fgraph: FunctionGraph): void;
  /** What identifies this backend's build for the on-disk program cache (compile/programCache.ts):
   * a program cached under another identity is not reused. Backends without one are not cached. */
  programCacheIdentity?(): string;
  /** `program` (just prepared as `executable`) in a form this backend prepares again without the
   * graph's nodes, for the on-disk cache; null when it needs them (JavaScript steps). */
  programForCache?(program: Program, executable: Executable): CacheableProgram | null;
}

export type BackendChoice = 'js' | 'cpu' | 'cuda' | 'auto';

const registry = new Map<string, Backend>();

/** Make a backend available by its name (the native integration registers `cpu` and `cuda`). */
export function registerBackend(backend: Backend): void {
  registry.set(backend.name, backend);
}

export function registeredBackends(): string[] {
  return [...registry.keys()];
}

/** `auto` picks the fastest registered backend: cuda, then cpu, then js. */
export function resolveBackend(choice: BackendChoice | Backend): Backend {
  if (typeof choice !== 'string') return choice;
  if (choice === 'auto') {
    return registry.get('cuda') ?? registry.get('cpu') ?? registry.get('js')!;
  }
  const backend = registry.get(choice);
  if (!backend) {
    throw new Error(
      `backend '${choice}' is not available (registered: ${registeredBackends().join(', ')}). ` +
        (choice === 'js'
          ? 'Import engine/backends/js.ts.'
          : `Import engine/backends/${choice}.ts to register it; it registers only where its native code loads ` +
            "(build it with 'npm run build:native'). backend: 'auto' falls back to js instead."),
    );
  }
  return backend;
}
