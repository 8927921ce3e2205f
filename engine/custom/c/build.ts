// Compile-on-first-use for C ops, safe across processes:
//
//   key   SHA-256 of the generated translation unit (the op's source, support code and header
//         list), the kernel ABI header, the compiler's identity (command and `--version`), the
//         flags and libraries, the platform and the op's cacheVersion (only an extra salt: a
//         changed source always changes the key, so a stale build is never loaded).
//   hit   <cache>/<key>/op.so exists → dlopen it; no lock needed, the file only ever appears
//         complete (atomic rename).
//   miss  take an flock on <cache>/<key>/.lock (a timeout, with a message, if another process
//         compiles for too long), look again (another process may have just finished), remove
//         leftovers of killed builds, compile to a temporary name, rename into place, unlock.
//         A killed compiler or process leaves neither a lock (the kernel drops an flock with its
//         process) nor a half-written op.so (only temporaries, removed by the next build).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeAddon } from '../../../native/addon.ts';
import { projectRoot } from '../../../native/paths.ts';
import { entryDir, LIBRARY_FILE, LOCK_FILE, META_FILE, SOURCE_FILE, type BuildMeta } from './cache.ts';
import { CompileError, compilerIdentity, runCompiler } from './compiler.ts';

export const includeDir = join(projectRoot, 'native', 'include');

/** Flags every build gets; the op's own come after them. */
const baseFlags = ['-shared', '-fPIC', '-O2', '-std=c11', '-fdiagnostics-color=never', `-I${includeDir}`];

export interface KernelBuild {
  /** The op's printed name, for messages and `lab cache list`. */
  readonly opName: string;
  /** File name the op's source lines are reported under (`AXPB_C.c:3:12: error: …`). */
  readonly sourceName: string;
  /** The complete translation unit. */
  readonly translationUnit: string;
  /** The op's source alone, to quote the line a diagnostic points at. */
  readonly source: string;
  readonly functionName: string;
  readonly flags: readonly string[];
  readonly libraries: readonly string[];
  readonly cacheVersion: string;
}

export interface LoadedKernel {
  readonly key: string;
  readonly library: string;
  readonly symbol: string;
  /** Seconds spent compiling (0 on a cache hit). */
  readonly compileSeconds: number;
  /** Seconds from the request to a loaded library (key, lock, compile, dlopen). */
  readonly totalSeconds: number;
}

/** How long to wait for another process compiling the same op (LAB_COMPILE_LOCK_TIMEOUT_MS). */
function lockTimeoutMs(): number {
  const value = Number(process.env.LAB_COMPILE_LOCK_TIMEOUT_MS);
  return Number.isFinite(value) && value > 0 ? value : 120_000;
}

export function cacheKey(build: KernelBuild): string {
  const compiler = compilerIdentity();
  const hash = createHash('sha256');
  for (const part of [
    build.translationUnit,
    readFileSync(join(includeDir, 'lab_kernel.h'), 'utf8'),
    readFileSync(join(includeDir, 'lab_user_op.h'), 'utf8'),
    String(loadNativeAddon().abiVersion),
    compiler.command,
    compiler.version,
    JSON.stringify([baseFlags.filter((f) => !f.startsWith('-I')), build.flags, build.libraries]),
    `${process.platform}-${process.arch}`,
    build.cacheVersion,
  ]) {
    hash.update(part).update('\0');
  }
  return hash.digest('hex');
}

/** Process-wide: each library is loaded once; the handle keeps it mapped. */
const loaded = new Map<string, { kernel: LoadedKernel; handle: object }>();

function quoteLine(build: KernelBuild, diagnostics: string): string {
  const escaped = build.sourceName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`${escaped}:(\\d+)(?::\\d+)?: (?:fatal )?error`).exec(diagnostics);
  if (!at) return '';
  const line = Number(at[1]);
  return `\n  at line ${line} of its C source: ${build.source.split('\n')[line - 1]?.trim() ?? ''}`;
}

function compileUnderLock(build: KernelBuild, key: string, dir: string): number {
  const library = join(dir, LIBRARY_FILE);
  if (existsSync(library)) return 0; // another process finished it while we waited
  // Under the lock nobody else builds this key: any temporary here is from a killed build.
  for (const f of readdirSync(dir)) if (f.includes('.tmp-')) rmSync(join(dir, f), { force: true });
  const sourcePath = join(dir, SOURCE_FILE);
  writeFileSync(sourcePath, build.translationUnit);
  const temporary = join(dir, `${LIBRARY_FILE}.tmp-${process.pid}`);
  const started = performance.now();
  const failure = runCompiler({
    sourcePath,
    outputPath: temporary,
    flags: [...baseFlags, ...build.flags],
    libraries: build.libraries,
  });
  const seconds = (performance.now() - started) / 1000;
  if (failure) {
    rmSync(temporary, { force: true });
    throw new CompileError(
      `${build.opName}: its C source does not compile (${failure.status})${quoteLine(build, failure.diagnostics)}\n` +
        `The compiler says:\n${failure.diagnostics}\n(generated source: ${sourcePath})`,
    );
  }
  const meta: BuildMeta = {
    key,
    opName: build.opName,
    compiler: compilerIdentity().version.split('\n')[0],
    flags: [...baseFlags, ...build.flags],
    createdAt: new Date().toISOString(),
    compileSeconds: seconds,
  };
  const metaTemporary = join(dir, `${META_FILE}.tmp-${process.pid}`);
  writeFileSync(metaTemporary, JSON.stringify(meta, null, 2));
  renameSync(metaTemporary, join(dir, META_FILE));
  renameSync(temporary, library);
  return seconds;
}

/** The op's library, compiled if no build is cached yet, and loaded into this process. */
export function loadKernel(build: KernelBuild): LoadedKernel {
  const started = performance.now();
  const key = cacheKey(build);
  const dir = entryDir(key);
  const library = join(dir, LIBRARY_FILE);
  const known = loaded.get(library);
  if (known && existsSync(library)) {
    return { ...known.kernel, compileSeconds: 0, totalSeconds: (performance.now() - started) / 1000 };
  }
  let compileSeconds = 0;
  if (!existsSync(library)) {
    mkdirSync(dir, { recursive: true });
    const addon = loadNativeAddon();
    const lockPath = join(dir, LOCK_FILE);
    const fd = addon.lockFile(lockPath, lockTimeoutMs());
    if (fd === null) {
      throw new Error(
        `${build.opName}: timed out after ${lockTimeoutMs() / 1000} s waiting for another process to finish ` +
          `compiling this op (lock ${lockPath}). A compiler may be hung: check for stuck '${compilerIdentity().command}' ` +
          'processes; a dead process never holds the lock. Raise LAB_COMPILE_LOCK_TIMEOUT_MS to wait longer.',
      );
    }
    try {
      compileSeconds = compileUnderLock(build, key, dir);
    } finally {
      addon.unlockFile(fd);
    }
  }
  let handle: object;
  try {
    handle = loadNativeAddon().loadKernelLibrary(library, build.functionName);
  } catch (error) {
    throw new Error(`${build.opName}: ${(error as Error).message}`, { cause: error });
  }
  const kernel: LoadedKernel = {
    key,
    library,
    symbol: build.functionName,
    compileSeconds,
    totalSeconds: (performance.now() - started) / 1000,
  };
  loaded.set(library, { kernel, handle });
  return kernel;
}
