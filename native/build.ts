// Builds the native engine: the Node-API addon (always) and the CUDA library (only where
// nvcc is found). Runs on `npm install` (postinstall) and `npm run build:native`.
//
// Each output keeps a digest of what it was built from beside it (`<output>.sources`: its source
// files' contents and the toolchain's versions); when nothing changed the build is skipped
// (`--force` or LAB_NATIVE_FORCE=1 rebuilds anyway). The postinstall runs again on every `npm ci`
// and on the first `npx lab` of a clone (npx installs the project by a link to it): without the
// check each rebuilt native/build/ in place, minutes of compiling while other processes of the
// same tree were loading the addon.
//
// The addon is compiled against the headers of the Node that runs this script — the
// project's own Node 24 (node_modules/.bin/node comes first on PATH under npm) — never
// against whatever `nodedir` the machine's npm is configured with.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nativeDir = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function step(message: string): void {
  console.log(`[native] ${message}`);
}

function nodeHeadersDir(): string {
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  if (!existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
    throw new Error(
      `Node headers not found under ${prefix}/include/node (running ${process.execPath}). ` +
        'Run the build through npm (`npm run build:native`) so the project’s Node 24 is used.',
    );
  }
  return prefix;
}

const force = process.argv.includes('--force') || process.env.LAB_NATIVE_FORCE === '1';

/** Every file under `dir`, recursively, sorted (paths relative to native/). */
function filesUnder(dir: string): string[] {
  return readdirSync(join(nativeDir, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(nativeDir.length + 1))
    .sort();
}

/**
 * `roots` and every file they include with `#include "…"`, transitively (paths relative to
 * native/), found where the compiler finds them: beside the including file, then in
 * native/include (the one -I). What a build reads, so a change anywhere else does not redo it.
 */
function withIncludes(roots: readonly string[]): string[] {
  const found = new Set<string>();
  const visit = (file: string): void => {
    if (found.has(file)) return;
    found.add(file);
    for (const [, name] of readFileSync(join(nativeDir, file), 'utf8').matchAll(
      /^\s*#\s*include\s+"([^"]+)"/gm,
    )) {
      const included = [join(dirname(file), name), join('include', name)].find((path) =>
        existsSync(join(nativeDir, path)),
      );
      if (included) visit(included);
    }
  };
  roots.forEach(visit);
  return [...found].sort();
}

/** What a tool prints for `--version` ('' when it does not run). */
function toolVersion(tool: string): string {
  return spawnSync(tool, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
}

/** SHA-256 of the files' names and contents and of the toolchain's description. */
function sourcesDigest(files: readonly string[], toolchain: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of toolchain) hash.update(`${line}\n`);
  for (const file of files) hash.update(`${file}\n`).update(readFileSync(join(nativeDir, file)));
  return hash.digest('hex');
}

const stampOf = (output: string): string => `${output}.sources`;

/** Whether `output` exists and was built from sources with this digest. */
function upToDate(output: string, digest: string): boolean {
  return (
    !force &&
    existsSync(output) &&
    existsSync(stampOf(output)) &&
    readFileSync(stampOf(output), 'utf8') === digest
  );
}

const addonPath = join(nativeDir, 'build', 'Release', 'lab_native.node');

function buildAddon(): void {
  if (!process.versions.node.startsWith('24.')) {
    throw new Error(
      `the native addon must be built with the project's Node 24, but this is Node ${process.versions.node}. ` +
        'Run `npm install` or `npm run build:native` instead of calling node directly.',
    );
  }
  const digest = sourcesDigest(
    ['binding.gyp', ...filesUnder('src'), ...filesUnder('kernels'), ...filesUnder('include')],
    [process.version, process.arch, toolVersion('cc'), toolVersion('c++')],
  );
  if (upToDate(addonPath, digest)) {
    step(
      'addon up to date (its sources and compilers are unchanged since it was built; --force rebuilds it)',
    );
    return;
  }
  const nodedir = nodeHeadersDir();
  step(`building the Node-API addon against Node ${process.versions.node} headers (${nodedir})`);
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  // node-gyp's rebuild empties native/build/, the CUDA library's home too: the one built before
  // is put back after, and buildCuda decides by its digest whether it is still current.
  keepingCudaLibrary(() =>
    execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release', `--nodedir=${nodedir}`, '--jobs=max'], {
      cwd: nativeDir,
      stdio: 'inherit',
    }),
  );
  writeFileSync(stampOf(addonPath), digest);
  step('addon built: native/build/Release/lab_native.node');
}

const cudaLibrary = join(nativeDir, 'build', 'cuda', 'liblabcuda.so');

/** Runs `build` with the CUDA library and its digest (if built) set aside and put back after. */
function keepingCudaLibrary(build: () => void): void {
  const kept = [cudaLibrary, stampOf(cudaLibrary)].filter((file) => existsSync(file));
  if (kept.length === 0) return build();
  const aside = mkdtempSync(join(tmpdir(), 'lab-cuda-'));
  for (const file of kept) copyFileSync(file, join(aside, basename(file)));
  try {
    build();
  } finally {
    mkdirSync(dirname(cudaLibrary), { recursive: true });
    for (const file of kept) copyFileSync(join(aside, basename(file)), file);
    rmSync(aside, { recursive: true, force: true });
  }
}

// NVCC names the compiler explicitly; otherwise nvcc on PATH, then $CUDA_HOME/bin/nvcc.
function findNvcc(): string | undefined {
  const candidates = process.env.NVCC
    ? [process.env.NVCC]
    : ['nvcc', join(process.env.CUDA_HOME ?? '/usr/local/cuda', 'bin', 'nvcc')];
  return candidates.find((candidate) => spawnSync(candidate, ['--version']).status === 0);
}

function buildCuda(): void {
  const nvcc = findNvcc();
  if (!nvcc) {
    step('nvcc not found: the GPU (CUDA) backend is not built. Everything else works on the CPU.');
    return;
  }
  // LAB_CUDA_OUT_DIR: build elsewhere (the GPU check bundle builds its own copy).
  const outDir = process.env.LAB_CUDA_OUT_DIR ?? dirname(cudaLibrary);
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'liblabcuda.so');
  const sources = readdirSync(join(nativeDir, 'cuda'))
    .filter((f) => f.endsWith('.cu'))
    .sort()
    .map((f) => join(nativeDir, 'cuda', f));
  // The .cu files include a few of the CPU kernels' headers (the conv and pool element
  // formulas) and native/include; the rest of native/kernels is not the library's business.
  const digest = sourcesDigest(withIncludes(filesUnder('cuda')), [nvcc, toolVersion(nvcc)]);
  if (upToDate(out, digest)) {
    step(
      `CUDA library up to date (its sources and nvcc are unchanged since it was built; --force rebuilds it): ${out}`,
    );
    return;
  }
  step(`building the CUDA library with ${nvcc} (sm_80, sm_90 and compute_90 PTX; ${sources.length} sources)`);
  // Warnings are errors for the host and the device compiler; nvcc's --threads compiles the
  // three targets in parallel. libdl: NVRTC is loaded at run time (native/cuda/nvrtc.cu).
  execFileSync(
    nvcc,
    [
      '-O3',
      '-shared',
      '-Xcompiler',
      '-fPIC,-Wall,-Wextra,-Werror',
      '-Werror',
      'all-warnings',
      '-std=c++17',
      '--threads',
      '0',
      '-gencode',
      'arch=compute_80,code=sm_80',
      '-gencode',
      'arch=compute_90,code=sm_90',
      '-gencode',
      'arch=compute_90,code=compute_90',
      '-I',
      join(nativeDir, 'include'),
      '-o',
      out,
      ...sources,
      '-ldl',
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(stampOf(out), digest);
  step(`CUDA library built: ${out} (loaded at run time only where a GPU and driver exist)`);
}

// `--cuda-only` rebuilds just the CUDA library (tests use it to prove the build without nvcc).
if (!process.argv.includes('--cuda-only')) buildAddon();
if (process.env.LAB_SKIP_CUDA === '1') {
  step(
    existsSync(cudaLibrary)
      ? `LAB_SKIP_CUDA=1: the CUDA library is not rebuilt; the one built before is kept (${cudaLibrary}).`
      : 'LAB_SKIP_CUDA=1: the CUDA library is not built.',
  );
} else buildCuda();
