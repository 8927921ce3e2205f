// The PyTorch reference of the benchmark: finds a Python with torch (LAB_PYTHON, else python3,
// else /usr/bin/python3), runs ../shared/bench/torch_ref.py (LAB_TORCH_REF overrides) with one
// thread (or two), and measures torch's sgemm at 1024³ the same way the engine's is measured.
// Debian's torch calls whatever libblas.so.3 resolves to — the slow reference BLAS (libblas3)
// alone, OpenBLAS once libopenblas0-pthread is installed — so each run names its BLAS by putting
// that BLAS's libblas.so.3 first on LD_LIBRARY_PATH for the Python process only, and says which
// library the process actually loaded.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../native/paths.ts';

export interface TorchReference {
  python: string;
  version: string;
  /** The BLAS library the Python process loaded (its path), or 'none found'. */
  blas: string;
  /** OpenBLAS's kernel set (openblas_get_corename), when the BLAS is OpenBLAS. */
  blasCore: string | null;
  /** Median seconds per iteration, keyed by workload name (quad_meta, mnist_meta, mnist_step). */
  seconds: Record<string, number>;
  /** sgemm 1024³: the median call's GFLOP/s and the fastest call's. */
  sgemmGflops: number;
  sgemmPeakGflops: number;
}

export function torchRefPath(): string {
  return process.env.LAB_TORCH_REF ?? resolve(projectRoot, '..', 'shared', 'bench', 'torch_ref.py');
}

function hasTorch(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/** The first candidate Python that imports torch, or null (with the candidates tried). */
export function findTorchPython(): { python: string | null; tried: string[] } {
  const candidates = process.env.LAB_PYTHON ? [process.env.LAB_PYTHON] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) if (hasTorch(python)) return { python, tried: candidates };
  return { python: null, tried: candidates };
}

// Same protocol as the engine's sgemm: 1024³ float32, 15 calls after 3 warm-ups, the median's rate
// and the fastest's; the thread count is the first argument.
const SGEMM = `
import ctypes, json, sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
a = torch.randn(1024, 1024); b = torch.randn(1024, 1024)
ts = []
for i in range(18):
    t = time.perf_counter(); c = a @ b; ts.append(time.perf_counter() - t)
ts = sorted(ts[3:])
blas = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.rsplit('/', 1)[-1]})
core = None
for path in blas:
    try:
        corename = ctypes.CDLL(path).openblas_get_corename
        corename.restype = ctypes.c_char_p
        core = corename().decode()
    except (OSError, AttributeError):
        pass
print(json.dumps({"gflops": 2 * 1024**3 / ts[len(ts) // 2] / 1e9, "peak_gflops": 2 * 1024**3 / ts[0] / 1e9, "blas": blas, "core": core}))
`;

/**
 * The directory `/usr/lib/<multiarch>/<folder>` holding a libblas.so.3 (any multiarch triplet),
 * or null when that BLAS is not installed.
 */
function blasDirectory(folder: string): string | null {
  const lib = '/usr/lib';
  if (!existsSync(lib)) return null;
  for (const entry of readdirSync(lib)) {
    const directory = join(lib, entry, folder);
    if (existsSync(join(directory, 'libblas.so.3'))) return directory;
  }
  return null;
}

/** OpenBLAS's libblas.so.3 (Debian's libopenblas0-pthread), or null. */
export const openBlasDirectory = (): string | null => blasDirectory('openblas-pthread');

/**
 * The reference BLAS's libblas.so.3 (Debian's libblas3), or null. Named explicitly: once OpenBLAS
 * is installed it is what the system's libblas.so.3 resolves to (its alternative has the higher
 * priority), so "torch as Debian links it" would be OpenBLAS again.
 */
export const referenceBlasDirectory = (): string | null => blasDirectory('blas');

/**
 * The kernel set OpenBLAS should use on this CPU (OPENBLAS_CORETYPE), or null to leave its own
 * choice. OpenBLAS picks kernels by CPU model, and Debian 12's 0.3.21 does not know this lab's
 * Xeon (family 6, model 207): it falls back to Prescott's SSE3 kernels, sgemm 33 GFLOP/s here
 * against 140 with its AVX-512 ones. So where the CPU has AVX-512 (F, BW, DQ, VL, CD) the
 * reference runs OpenBLAS's SkylakeX kernels, with AVX2 and FMA its Haswell ones; a user's own
 * OPENBLAS_CORETYPE stays. A faster PyTorch is the fair comparison.
 */
export function openBlasCoreType(cpuinfo = '/proc/cpuinfo'): string | null {
  if (process.env.OPENBLAS_CORETYPE) return process.env.OPENBLAS_CORETYPE;
  if (!existsSync(cpuinfo)) return null;
  const line = readFileSync(cpuinfo, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('flags'));
  const flags = new Set(line?.split(':')[1]?.trim().split(/\s+/) ?? []);
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512cd'].every((f) => flags.has(f)))
    return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

/**
 * The environment of a PyTorch child process: `threads` for OpenMP, MKL and OpenBLAS (its
 * pthread build reads OPENBLAS_NUM_THREADS), `libraryPath` first on LD_LIBRARY_PATH when given,
 * OpenBLAS's kernels for this CPU (openBlasCoreType), and glibc's allocator kept from handing
 * freed memory back to the system. PyTorch allocates
 * its activations afresh each step; with glibc's defaults large blocks go back to the kernel and
 * come back as page faults, which cost ~10 µs each on a virtual machine — measured here, LeNet's
 * step took 7 ms in some runs and 23 ms in others, and the meta workloads ~10 % longer. The
 * engine plans its memory once per program, so this only gives PyTorch its best footing.
 */
export function torchEnvironment(threads = 1, libraryPath: string | null = null): NodeJS.ProcessEnv {
  const n = String(threads);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: n,
    MKL_NUM_THREADS: n,
    OPENBLAS_NUM_THREADS: n,
    MALLOC_MMAP_THRESHOLD_: String(2 ** 30),
    MALLOC_TRIM_THRESHOLD_: String(2 ** 32),
  };
  if (libraryPath) env.LD_LIBRARY_PATH = [libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const core = openBlasCoreType();
  if (core) env.OPENBLAS_CORETYPE = core;
  return env;
}

function lastJson(stdout: string, what: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} did not end with a JSON line; its output was:\n${stdout}`);
  }
}

function runPython(
  python: string,
  args: string[],
  what: string,
  libraryPath: string | null,
  threads: number,
): Record<string, unknown> {
  const r = spawnSync(python, args, {
    encoding: 'utf8',
    timeout: 1_800_000,
    env: torchEnvironment(threads, libraryPath),
  });
  if (r.status !== 0) {
    throw new Error(
      `${what} failed (${python} ${args.join(' ')}, status ${r.status}):\n${r.stderr || r.error}`,
    );
  }
  return lastJson(r.stdout, what);
}

/**
 * A benchmark's own PyTorch measurement: runs `script` (Python, one thread) with `input` as JSON
 * on its stdin and returns the JSON of its last output line, or null, having said why, when no
 * Python with torch is found or the script fails.
 */
export function runTorchScript<T>(script: string, input: unknown): T | null {
  const { python, tried } = findTorchPython();
  if (!python) {
    console.log(`PyTorch not found (tried ${tried.join(', ')}): lab numbers only`);
    return null;
  }
  const r = spawnSync(python, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 600_000,
    env: torchEnvironment(),
  });
  if (r.status !== 0) {
    console.log(`the PyTorch measurement failed (status ${r.status}): ${r.stderr || r.error}`);
    return null;
  }
  return lastJson(r.stdout, 'the PyTorch measurement') as T;
}

/** A Python with torch and the reference script, or why the reference cannot run. */
export function torchReferenceReady(): { python: string; script: string } | { missing: string } {
  const { python, tried } = findTorchPython();
  if (!python) {
    return {
      missing: `no Python with torch (tried ${tried.join(', ')}; set LAB_PYTHON, or on Debian: apt-get install python3-torch)`,
    };
  }
  const script = torchRefPath();
  if (!existsSync(script)) {
    return { missing: `the PyTorch reference ${script} does not exist (set LAB_TORCH_REF to its path)` };
  }
  return { python, script };
}

/**
 * Runs the reference with `threads` threads, with `libraryPath` (a directory holding another
 * libblas.so.3) first on LD_LIBRARY_PATH when given; `missing` says why it could not run.
 */
export function runTorchReference(
  libraryPath: string | null = null,
  threads = 1,
): TorchReference | { missing: string } {
  const ready = torchReferenceReady();
  if ('missing' in ready) return ready;
  const { python, script } = ready;
  const out = runPython(
    python,
    [script, String(threads), 'cpu'],
    `the PyTorch reference ${script}`,
    libraryPath,
    threads,
  );
  const seconds: Record<string, number> = {};
  for (const [key, value] of Object.entries(out)) {
    if (key.endsWith('_s') && typeof value === 'number') seconds[key.slice(0, -2)] = value;
  }
  const sgemm = runPython(
    python,
    ['-c', SGEMM, String(threads)],
    'the PyTorch sgemm measurement',
    libraryPath,
    threads,
  );
  const blas = (sgemm.blas as string[]).join(', ') || 'none found';
  return {
    python,
    version: String(out.torch),
    blas,
    blasCore: typeof sgemm.core === 'string' ? sgemm.core : null,
    seconds,
    sgemmGflops: Number(sgemm.gflops),
    sgemmPeakGflops: Number(sgemm.peak_gflops),
  };
}
