// Builds the native engine: the Node-API addon (always) and the CUDA library (only where
// nvcc is found). Runs on `npm install` (postinstall) and `npm run build:native`.
//
// The addon is compiled against the headers of the Node that runs this script — the
// project's own Node 24 (node_modules/.bin/node comes first on PATH under npm) — never
// against whatever `nodedir` the machine's npm is configured with.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

function buildAddon(): void {
  if (!process.versions.node.startsWith('24.')) {
    throw new Error(
      `the native addon must be built with the project's Node 24, but this is Node ${process.versions.node}. ` +
        'Run `npm install` or `npm run build:native` instead of calling node directly.',
    );
  }
  const nodedir = nodeHeadersDir();
  step(`building the Node-API addon against Node ${process.versions.node} headers (${nodedir})`);
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  const rebuild = () =>
    execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release', `--nodedir=${nodedir}`, '--jobs=max'], {
      cwd: nativeDir,
      stdio: 'inherit',
    });
  // node-gyp's rebuild empties native/build/, the CUDA library's home too: when it is not
  // rebuilt after (LAB_SKIP_CUDA=1), the one already built is put back.
  if (process.env.LAB_SKIP_CUDA === '1' && existsSync(cudaLibrary)) keepingCudaLibrary(rebuild);
  else rebuild();
  step('addon built: native/build/Release/lab_native.node');
}

const cudaLibrary = join(nativeDir, 'build', 'cuda', 'liblabcuda.so');

function keepingCudaLibrary(build: () => void): void {
  const aside = mkdtempSync(join(tmpdir(), 'lab-cuda-'));
  copyFileSync(cudaLibrary, join(aside, 'liblabcuda.so'));
  try {
    build();
  } finally {
    mkdirSync(dirname(cudaLibrary), { recursive: true });
    copyFileSync(join(aside, 'liblabcuda.so'), cudaLibrary);
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
