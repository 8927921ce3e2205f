// C ops in one process: compile + load + run against a reference, the cache key, compiler
// errors, kernel errors, no compiler at all, a compiler killed mid-build. Each test gets its
// own LAB_CACHE_DIR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import '../../../engine/backends/cpu.ts';
import type { Backend } from '../../../engine/backends/backend.ts';
import {
  COp,
  CompileError,
  CompilerUnavailableError,
  clearCompiledOps,
  listCompiledOps,
  type CCode,
} from '../../../engine/custom/index.ts';
import { AXPB_C, axpbC } from '../../../engine/examples/axpbC.ts';
import * as T from '../../../engine/index.ts';
import { NDArray } from '../../../engine/index.ts';
import { loadNativeAddon } from '../../../native/addon.ts';
import { recordingCpu } from '../../../engine/backends/cpu/recording.ts';
import { compileCount, compilerWrapper } from './fixtures/compilers.ts';
import { ScaleShift, ScaleShiftWithPerform } from './fixtures/ops.ts';

const saved = {
  LAB_CACHE_DIR: process.env.LAB_CACHE_DIR,
  LAB_CC: process.env.LAB_CC,
  PATH: process.env.PATH,
};
let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'lab-cop-'));
  process.env.LAB_CACHE_DIR = join(scratch, 'cache');
  delete process.env.LAB_CC;
});

afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function run(op: COp, value: NDArray, backend: Backend | 'js' | 'cpu' = 'cpu'): number[] {
  const x = T.tensor(
    value.dtype,
    value.shape.map(() => null),
  );
  return (T.fn([x], op.apply(x), { backend })(value) as NDArray).toFlat();
}

describe('C ops: compile, load, run', () => {
  it('AXPB in C runs as one native user_kernel step, on any strides, float32 and float64', () => {
    const { backend, prepared } = recordingCpu();
    const x = T.matrix('x', 'float64');
    const f = T.fn([x], axpbC(T.transpose(x), 4, 5), { backend });
    const value = T.randn([3, 5], { seed: 1, dtype: 'float64' });
    const out = f(value) as NDArray;
    const t = value.toNested() as number[][];
    expect(out.toNested()).toEqual(t[0].map((_, j) => t.map((row) => 4 * row[j] + 5)));
    expect(prepared[0].program.steps.map((s) => s.kernel)).toContain('user_kernel');
    expect(prepared[0].jsSteps.every((js) => !js)).toBe(true);

    const x32 = T.vector('x');
    const v32 = T.randn([9], { seed: 2 });
    const out32 = (T.fn([x32], axpbC(x32, 0.5, -2), { backend: 'cpu' })(v32) as NDArray).toFlat();
    expect(out32).toEqual(v32.toFlat().map((v) => Math.fround(Math.fround(0.5 * v) - 2)));
    const [entry] = listCompiledOps();
    expect(entry.opName).toBe('AXPB_C{a=4, b=5}');
  });

  it('compiles once per source; a one-character change is a cache miss; cacheVersion salts the key', () => {
    const first = new ScaleShift(3, '1');
    const k1 = first.compiled();
    expect(k1.compileSeconds).toBeGreaterThan(0);
    console.log(
      `ScaleShift: compile ${(k1.compileSeconds * 1000).toFixed(0)} ms, first use ${(k1.totalSeconds * 1000).toFixed(0)} ms`,
    );
    expect(run(first, NDArray.of([1, 2], 'float64'))).toEqual([4, 7]);
    // Another instance with equal props and source: same key, no compile.
    const again = new ScaleShift(5, '1').compiled();
    expect(again.key).toBe(k1.key);
    expect(again.compileSeconds).toBe(0);
    // One character of source differs: a new key, a new compile, the new behaviour.
    const changed = new ScaleShift(3, '2');
    const k2 = changed.compiled();
    expect(k2.key).not.toBe(k1.key);
    expect(k2.compileSeconds).toBeGreaterThan(0);
    expect(run(changed, NDArray.of([1, 2], 'float64'))).toEqual([5, 8]);

    class Salted extends ScaleShift {
      override cCode(): CCode {
        return { ...super.cCode(), cacheVersion: 2 };
      }
    }
    expect(new Salted(3, '1').compiled().key).not.toBe(k1.key);
    expect(listCompiledOps()).toHaveLength(3);
    expect(clearCompiledOps()).toBe(3);
    expect(listCompiledOps()).toEqual([]);
  });

  it('a syntax error reports the op, the line of its source and the compiler diagnostics', () => {
    class Broken extends COp {
      readonly itypes = [{ dtype: 'float64' as const }];
      readonly otypes = [{ like: 0 }];
      cCode(): CCode {
        return {
          functionName: 'broken',
          source: 'LAB_KERNEL(broken) {\n  double *y = outputs[0].data;\n  y[0] = 1.0 +;\n  return 0;\n}',
        };
      }
    }
    const error = (() => {
      try {
        new Broken().compiled();
      } catch (e) {
        return e as Error;
      }
      throw new Error('compiled');
    })();
    expect(error).toBeInstanceOf(CompileError);
    expect(error.message).toMatch(/^Broken: its C source does not compile \(cc exited with status 1\)/);
    expect(error.message).toContain('at line 3 of its C source: y[0] = 1.0 +;');
    expect(error.message).toMatch(/Broken\.c:3:\d+: error: /);
    // Nothing half-built is left to load.
    expect(listCompiledOps()).toEqual([]);
  });

  it("a kernel's error message becomes a JS error naming the op and the line that built it", () => {
    const x = T.matrix('x', 'float64');
    const f = T.fn([x], new ScaleShift(2).apply(T.transpose(x)), { backend: 'cpu' });
    expect(() => f(T.randn([2, 3], { seed: 3, dtype: 'float64' }))).toThrow(
      /ScaleShift\{scale=2, offset="1"\} \(built at .*compile\.test\.ts:\d+.*\).*scale_shift: wants a contiguous input/s,
    );
  });

  it('the addon refuses a missing library, a missing function and a library built for another ABI', () => {
    const addon = loadNativeAddon();
    expect(() => addon.loadKernelLibrary(join(scratch, 'none.so'), 'f')).toThrow(
      /cannot load the compiled op library .*none\.so/,
    );
    const kernel = new ScaleShift(3).compiled();
    expect(() => addon.loadKernelLibrary(kernel.library, 'nope')).toThrow(
      /has no function 'nope': the op's cFunction/,
    );
    // A library without the engine's ABI stamp (compiled by hand, not through COp).
    const source = join(scratch, 'plain.c');
    const library = join(scratch, 'plain.so');
    writeFileSync(source, 'int f(void) { return 0; }\n');
    expect(spawnSync('cc', ['-shared', '-fPIC', '-o', library, source]).status).toBe(0);
    expect(() => addon.loadKernelLibrary(library, 'f')).toThrow(
      /was not built against this engine's kernel ABI \(version \d+\)/,
    );
  });

  it('on the js backend: perform when the op has one, else a message pointing at the cpu backend', () => {
    expect(run(new AXPB_C(2, 1), NDArray.of([1, 2], 'float64'), 'js')).toEqual([3, 5]);
    expect(() => run(new ScaleShift(2), NDArray.of([1], 'float64'), 'js')).toThrow(
      /ScaleShift\{scale=2, offset="1"\} is a C op without a TypeScript perform, so it runs only on the native cpu backend/,
    );
  });

  it('no compiler (LAB_CC pointing to nothing, or PATH without cc): a clear error, or perform with one warning', () => {
    process.env.LAB_CC = join(scratch, 'no-such-cc');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { backend, prepared } = recordingCpu();
    const op = new ScaleShiftWithPerform(3);
    expect(run(op, NDArray.of([1, 2], 'float64'), backend)).toEqual([4, 7]);
    expect(run(new ScaleShiftWithPerform(3), NDArray.of([3], 'float64'), backend)).toEqual([10]);
    expect(prepared.map((p) => p.jsSteps)).toEqual([[true], [true]]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(
      /ScaleShiftWithPerform\{scale=3, offset="1"\} runs its TypeScript perform instead of its C kernel: no C compiler to build C ops: '.*no-such-cc' was not found \(from LAB_CC\)/,
    );
    warn.mockRestore();

    expect(() => run(new ScaleShift(3), NDArray.of([1], 'float64'))).toThrow(
      /ScaleShift\{scale=3, offset="1"\} cannot run: no C compiler to build C ops: .* It has no TypeScript perform to fall back on/,
    );
    delete process.env.LAB_CC;
    process.env.PATH = join(scratch, 'empty-bin');
    expect(() => new ScaleShift(3).compiled()).toThrow(CompilerUnavailableError);
    expect(() => new ScaleShift(3).compiled()).toThrow(
      /'cc' was not found on PATH=.*empty-bin\. Install one/,
    );
  });

  it('a compiler killed mid-build leaves no library (only a temporary); the retry builds cleanly', () => {
    const log = join(scratch, 'cc.log');
    process.env.LAB_CC = compilerWrapper(scratch, log);
    process.env.LAB_TEST_CC_DIE = '1';
    try {
      expect(() => new ScaleShift(7).compiled()).toThrow(
        /ScaleShift\{scale=7, offset="1"\}: its C source does not compile \(.*was killed by SIGKILL\)/,
      );
    } finally {
      delete process.env.LAB_TEST_CC_DIE;
    }
    expect(listCompiledOps()).toEqual([]);
    // The retry (same compiler, now well) builds in the same cache entry; the lock was released.
    const k = new ScaleShift(7).compiled();
    expect(k.compileSeconds).toBeGreaterThan(0);
    expect(run(new ScaleShift(7), NDArray.of([1], 'float64'))).toEqual([8]);
    expect(readdirSync(join(process.env.LAB_CACHE_DIR!, k.key)).filter((f) => f.includes('.tmp-'))).toEqual(
      [],
    );
    expect(existsSync(k.library)).toBe(true);
    expect(compileCount(log)).toBe(2);
  });
});
