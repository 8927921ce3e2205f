// Loads the native engine addon built by native/build.ts. Every Node-side user of native
// code goes through here, so a missing build is reported once, clearly.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from './paths.ts';
import type { Isa, NativeArray, ProgramHandle, ProgramSpec } from './program.ts';
import { toWire, type OpCodes, type WireSpec } from './wireSpec.ts';

const require = createRequire(import.meta.url);

// LAB_NATIVE_ADDON points at another build of the same addon (native/sanitize.sh runs the native
// tests against its AddressSanitizer build this way).
export const addonPath =
  process.env.LAB_NATIVE_ADDON ?? join(projectRoot, 'native', 'build', 'Release', 'lab_native.node');
export const cudaLibraryPath = join(projectRoot, 'native', 'build', 'cuda', 'liblabcuda.so');

/** What the compiled addon exports. Grows as the native backend grows. */
export interface NativeAddon {
  readonly abiVersion: number;
  axpb(a: number, x: Float32Array, b: number): Float32Array;
  /** Parses and validates a program once (native/PROGRAM.md); throws naming the bad field.
   * Packs the spec (`packProgram`) and creates it from the packed form. */
  createProgram(spec: ProgramSpec): ProgramHandle;
  /** The spec's views and expressions packed as createProgram hands them to the executor. */
  packProgram(spec: ProgramSpec): WireSpec;
  /** createProgram from an already packed spec (one kept from an earlier `packProgram`). */
  createPackedProgram(wire: WireSpec): ProgramHandle;
  /** The elementwise ops in the order of their codes in a packed spec. */
  readonly elementwiseOps: readonly string[];
  /** Runs every step (one crossing); returns fresh typed arrays for spec.outputs. A kernel
   * error throws an Error naming the step's op. `stepSeconds` (one entry per step), when given,
   * accumulates each step's wall time: a profile of the program (a step in a row-block chain
   * counts its time over all the chain's blocks). */
  run(program: ProgramHandle, inputs: NativeArray[], stepSeconds?: Float64Array): NativeArray[];
  /** Per step, how many steps the row-block chain starting there runs together (0: none starts
   * there), as planned for the program's last run (native/src/row_blocks.h). */
  rowChains(program: ProgramHandle): Int32Array;
  /** The temp buffers those chains keep block-local (only a block's rows, in scratch that stays
   * in cache; what they hold after a run is undefined), as planned for the last run. */
  blockLocalBuffers(program: ProgramHandle): Int32Array;
  /** Per step, where the last run computed it together with the next step (a profile counts both
   * steps' time on the first): 1 for two products the gemm kernel computes as one (of the same A,
   * its rows transposed once for both, or into the same Z), 2 for a composite that summed the rows
   * of what it wrote for the sum over the rows after it; 0 elsewhere. */
  pairedSteps(program: ProgramHandle): Int32Array;
  /** Per step, the lines of memory (64 bytes) its row-block chain listed for the products before
   * it to prefetch — the composite's operands that are neither block-local nor written earlier in
   * the chain — and how many of them those products prefetched, summed over blocks and runs
   * (native/kernels/lookahead.h); 0 for a step that is not such a composite. */
  lookahead(program: ProgramHandle): { listed: Float64Array; taken: Float64Array };
  /** A copy of a shared (or constant/temp) buffer. A temp holds what the last run left in it,
   * except one kept block-local by a row-block chain (blockLocalBuffers): undefined. */
  getShared(program: ProgramHandle, buffer: number): NativeArray;
  /** Overwrites a shared buffer in place (same dtype and size). */
  setShared(program: ProgramHandle, buffer: number, value: NativeArray): void;
  /** Intra-op threads for GEMM in programs run from this thread (default 1). */
  setThreads(n: number): void;
  getThreads(): number;
  /** 'flush': programs run from this thread read and write float denormals (below 1.2e-38 in
   * float32) as zero, as TensorFlow does and `torch.set_flush_denormal(True)` asks for; an
   * operation on a denormal costs ~100 normal ones on x86. 'keep' (the default): IEEE, as NumPy
   * and PyTorch by default. JavaScript steps inside a program keep IEEE either way. */
  setDenormals(mode: 'flush' | 'keep'): void;
  getDenormals(): 'flush' | 'keep';
  /** The run-time compiler of hot float32 composites (native/kernels/elementwise_jit.h): their
   * libraries' folder, native/kernels for the headers, the C compiler, and the elements a
   * composite step runs interpreted before it is queued; `cacheDir: ''` turns it off. */
  configureCompiledComposites(
    settings:
      { cacheDir: string; includeDir: string; compiler: string; hotElements: number } | { cacheDir: '' },
  ): void;
  /** Composites queued for compiling, built, loaded from the cache and failed in this process,
   * the last failure's message ('' when none), and the kernel calls a compiled composite ran on
   * its operands' rows in place (native/PROGRAM.md, "elementwise"), of them those prefetching
   * their inputs ahead (a program of 128 MiB or more of working memory). */
  compiledCompositesStats(): {
    queued: number;
    compiled: number;
    loaded: number;
    failed: number;
    lastError: string;
    rowWalks: number;
    prefetchedRowWalks: number;
  };
  /** Returns once no composite is queued or being compiled. */
  waitForCompiledComposites(): void;
  /** Forces GEMM's micro-kernel instruction set ('auto' = best supported); for tests and benchmarks. */
  setIsa(isa: Isa | 'auto'): void;
  isaInfo(): { selected: Isa; supported: Isa[] };
  /** Images the conv kernels unfold per GEMM for a batch, K column rows and P output positions. */
  convImagesPerGemm(batch: number, rows: number, positions: number, elementSize: number): number;
  /** dlopens a compiled user op (engine/custom/c), checks its ABI version and `symbol`; the
   * library stays loaded while the returned handle lives. Throws naming what is wrong. */
  loadKernelLibrary(path: string, symbol: string): object;
  /** flock(2) on `path` (created if needed): the fd, or null after `timeoutMs` of waiting. */
  lockFile(path: string, timeoutMs: number): number | null;
  unlockFile(fd: number): void;
}

/** The compiled module itself: its createProgram takes the packed spec (wireSpec.ts). */
interface CompiledAddon extends Omit<NativeAddon, 'createProgram' | 'packProgram' | 'createPackedProgram'> {
  createProgram(wire: WireSpec): ProgramHandle;
}

let cached: NativeAddon | undefined;

export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  if (!existsSync(addonPath)) {
    throw new Error(
      `the native engine addon is not built (expected ${addonPath}). ` +
        'Run `npm install` or `npm run build:native` in the project root.',
    );
  }
  const compiled = require(addonPath) as CompiledAddon;
  const ops: OpCodes = new Map(compiled.elementwiseOps.map((name, code) => [name, code]));
  // The module's own methods, with createProgram packing the spec on the way in (the module's
  // methods are read-only: the new ones are defined, not assigned).
  const packProgram = (spec: ProgramSpec): WireSpec => toWire(spec, ops);
  const createPackedProgram = (wire: WireSpec): ProgramHandle => compiled.createProgram(wire);
  const createProgram = (spec: ProgramSpec): ProgramHandle => compiled.createProgram(packProgram(spec));
  cached = Object.create(compiled, {
    createProgram: { value: createProgram },
    packProgram: { value: packProgram },
    createPackedProgram: { value: createPackedProgram },
  }) as NativeAddon;
  return cached;
}

/** True when the CUDA library was built here (nvcc was found at install time). */
export function cudaLibraryBuilt(): boolean {
  return existsSync(cudaLibraryPath);
}
