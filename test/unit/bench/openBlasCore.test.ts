import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBlasCoreType, torchEnvironment } from '../../../bench/torch.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-cpuinfo-'));
let files = 0;
const cpuinfo = (flags: string): string => {
  const path = join(dir, `cpuinfo-${files++}`);
  writeFileSync(path, `processor\t: 0\nmodel\t\t: 207\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`);
  return path;
};

describe("the PyTorch reference's OpenBLAS kernels", () => {
  const saved = process.env.OPENBLAS_CORETYPE;
  afterEach(() => {
    if (saved === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = saved;
  });

  it('picks SkylakeX on an AVX-512 CPU, Haswell on an AVX2 one, and leaves older CPUs to OpenBLAS', () => {
    delete process.env.OPENBLAS_CORETYPE;
    const avx2 = 'fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2';
    expect(openBlasCoreType(cpuinfo(`${avx2} avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16`))).toBe(
      'SkylakeX',
    );
    expect(openBlasCoreType(cpuinfo(`${avx2} avx512f`))).toBe('Haswell'); // AVX-512 F alone: not SkylakeX's set
    expect(openBlasCoreType(cpuinfo(avx2))).toBe('Haswell');
    expect(openBlasCoreType(cpuinfo('fpu sse sse2 ssse3 avx'))).toBeNull();
    expect(openBlasCoreType(join(dir, 'missing'))).toBeNull();
  });

  it("keeps the user's own OPENBLAS_CORETYPE and passes the choice to PyTorch's process", () => {
    process.env.OPENBLAS_CORETYPE = 'Cooperlake';
    expect(openBlasCoreType(cpuinfo('avx2 fma'))).toBe('Cooperlake');
    expect(torchEnvironment().OPENBLAS_CORETYPE).toBe('Cooperlake');
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
