// CUDA ops: a user's op with a CUDA kernel and its launch configuration. On the cuda backend the
// kernel runs as a step of the program (its inputs packed into contiguous device memory, the
// kernel launched, its outputs unpacked into their views); every other backend runs the op's
// TypeScript `perform`, so an op written this way works everywhere.
//
// The kernel's C ABI: `extern "C" __global__ void name(const T *in0, …, T *out0, …, long long n,
// double s0, …)` — one pointer per input then per output (contiguous, row-major, the node's
// dtypes), `n` the element count of output 0, then the op's `scalars`. It is compiled on first
// use with NVRTC (inside liblabcuda.so, cached on disk by a hash of source, architecture and NVRTC
// version), or with nvcc where NVRTC is missing: then the CUBIN is cached like C ops — a
// SHA-256 content key, a directory under the ops cache, an flock while compiling and an atomic
// rename into place (engine/custom/c/cache.ts, the addon's lockFile).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Apply, Op } from '../../core/graph.ts';
import type { Shape } from '../../core/ndarray.ts';
import { entryDir, LOCK_FILE } from '../../custom/c/cache.ts';
import { TypedOp } from '../../custom/typedOp.ts';
import { loadNativeAddon } from '../../../native/addon.ts';

type Dim3 = number | readonly [number, number, number];

export interface CudaLaunch {
  readonly grid: Dim3;
  readonly block: Dim3;
  /** Dynamic shared memory per block, in bytes (default 0). */
  readonly sharedBytes?: number;
}

export interface CudaCode {
  /** CUDA C++ defining `extern "C" __global__ void <kernelName>(…)` with the ABI above. */
  readonly source: string;
  readonly kernelName: string;
  /** Doubles passed after the pointers and n (the op's parameters). */
  readonly scalars?: readonly number[];
  /** The launch configuration for `n` output elements and the inputs' shapes. */
  launch(n: number, inputShapes: readonly Shape[]): CudaLaunch;
}

/**
 * An op with a CUDA kernel; like a C op (engine/custom/c/cOp.ts) it declares its input/output
 * types (itypes/otypes) and implements perform (the reference, for every other backend) and
 * cudaCode.
 */
export abstract class CudaOp extends TypedOp {
  abstract cudaCode(node: Apply): CudaCode;
}

export function isCudaOp(op: Op | undefined): op is CudaOp {
  return op instanceof CudaOp;
}

/** The launch attrs of a CUDA op's step, as the tape carries them. */
export interface UserKernelAttrs {
  grid: [number, number, number];
  block: [number, number, number];
  sharedBytes: number;
  scalars: number[];
  /** 0: `text` is CUDA source for NVRTC; 1: `text` is the path of a compiled CUBIN. */
  via: 0 | 1;
  text: string;
  kernelName: string;
}

const dim3 = (d: Dim3): [number, number, number] => (typeof d === 'number' ? [d, 1, 1] : [d[0], d[1], d[2]]);

function nvccVersion(nvcc: string): string {
  const r = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `a CUDA op needs NVRTC (not found in the CUDA library's search path) or nvcc ('${nvcc}' could not run). ` +
        'Install the CUDA toolkit, or set NVCC to its nvcc.',
    );
  }
  return r.stdout;
}

/** The CUBIN of `code` for sm_<arch>, compiled with nvcc under the C ops' cache discipline. */
export function nvccCubin(opName: string, code: CudaCode, arch: string): string {
  const nvcc = process.env.NVCC ?? 'nvcc';
  const key = createHash('sha256')
    .update(['cuda-op', code.source, code.kernelName, arch, nvccVersion(nvcc)].join('\0'))
    .digest('hex');
  const dir = entryDir(key);
  const cubin = join(dir, 'kernel.cubin');
  if (existsSync(cubin)) return cubin;
  mkdirSync(dir, { recursive: true });
  const addon = loadNativeAddon();
  const fd = addon.lockFile(join(dir, LOCK_FILE), 120_000);
  if (fd === null)
    throw new Error(`${opName}: timed out waiting for another process compiling this CUDA op (${dir})`);
  try {
    if (existsSync(cubin)) return cubin;
    const source = join(dir, 'kernel.cu');
    writeFileSync(source, code.source);
    const temporary = `${cubin}.tmp-${process.pid}`;
    const r = spawnSync(nvcc, ['-cubin', `-arch=sm_${arch}`, '-O3', '-o', temporary, source], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      rmSync(temporary, { force: true });
      throw new Error(
        `${opName}: its CUDA source does not compile with nvcc:\n${r.stderr}${r.stdout}\n(source: ${source})`,
      );
    }
    renameSync(temporary, cubin);
    return cubin;
  } finally {
    addon.unlockFile(fd);
  }
}

/** The tape attrs for a CUDA op's node at concrete shapes. `arch` is '90' for sm_90; nvrtc:
 * whether the CUDA library has NVRTC (else nvcc compiles here). */
export function userKernelAttrs(
  node: Apply,
  outputSize: number,
  inputShapes: readonly Shape[],
  arch: string,
  nvrtc: boolean,
): UserKernelAttrs {
  const op = node.op as CudaOp;
  const code = op.cudaCode(node);
  const launch = code.launch(outputSize, inputShapes);
  return {
    grid: dim3(launch.grid),
    block: dim3(launch.block),
    sharedBytes: launch.sharedBytes ?? 0,
    scalars: [...(code.scalars ?? [])],
    via: nvrtc ? 0 : 1,
    text: nvrtc ? code.source : nvccCubin(op.toString(), code, arch),
    kernelName: code.kernelName,
  };
}
