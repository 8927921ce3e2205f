// The on-disk program cache: what the graph key tells apart, a cached program giving the same
// results (outputs and shared-variable updates) as a fresh compile — in this process and in a
// new one — and every way a cache entry can be unusable ending in a compile, not an error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import { cpuBackend } from '../../../../engine/backends/cpu/index.ts';
import type { NativeExecutable } from '../../../../engine/backends/cpu/executable.ts';
import { graphKey } from '../../../../engine/compile/graphKey.ts';
import { listCachedPrograms } from '../../../../engine/compile/programCache.ts';
import { buildTrainingStep, trainingData } from '../../../fixtures/programCacheStep.ts';

const hasNative = T.cpuBackendAvailable();

describe('graph key', () => {
  const build = (scale: number, axis = 1, dims = 3) => {
    const x = T.matrix('x', 'float32');
    const w = T.shared(T.NDArray.zeros([dims, 2], 'float32'), 'w');
    const y = T.sum(T.mul(T.dot(x, w), scale), axis);
    return { x, w, y };
  };

  it('is the same for the same graph built twice and differs when what it computes differs', () => {
    const key = (g: ReturnType<typeof build>) => graphKey([g.x], [g.y], [], 'ctx')!.key;
    expect(key(build(2))).toBe(key(build(2)));
    expect(key(build(3))).not.toBe(key(build(2))); // a constant's value
    expect(key(build(2, 0))).not.toBe(key(build(2))); // an op's props
    expect(key(build(2, 1, 4))).not.toBe(key(build(2))); // a shared variable's type
    const g = build(2);
    expect(graphKey([g.x], [g.y], [], 'other context')!.key).not.toBe(key(build(2)));
    expect(graphKey([g.x], [g.y], [g.w], 'ctx')!.key).not.toBe(key(build(2))); // an update target
    expect(graphKey([g.x], [g.y], [], 'ctx')!.shared).toEqual([g.w]);
  });

  it('refuses graphs it cannot vouch for: a user op, a free variable that is not an input', () => {
    class Twice extends T.TypedOp {
      readonly itypes = [{ dtype: 'float32' as const }];
      readonly otypes = [{ like: 0 }] as never;
      perform([a]: T.NDArray[]): T.NDArray[] {
        return [
          T.NDArray.from(
            a.toFlat().map((v) => 2 * v),
            a.shape,
            'float32',
          ),
        ];
      }
    }
    const x = T.vector('x', 'float32');
    expect(graphKey([x], [new Twice().apply(x)], [], 'ctx')).toBeNull();
    const free = T.vector('free', 'float32');
    expect(graphKey([x], [T.add(x, free)], [], 'ctx')).toBeNull();
  });
});

describe.skipIf(!hasNative)('program cache (cpu backend)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-program-cache-test-'));
    process.env.LAB_PROGRAM_CACHE = 'on';
    process.env.LAB_PROGRAM_CACHE_DIR = dir;
  });
  afterEach(() => {
    process.env.LAB_PROGRAM_CACHE = 'off';
    delete process.env.LAB_PROGRAM_CACHE_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Three training steps: the losses and the trained weights. */
  const train = (step: ReturnType<typeof buildTrainingStep>) => {
    const { x, y } = trainingData();
    const losses = [0, 1, 2].map(() => (step.fn(x, y) as T.NDArray).toFlat()[0]);
    return { losses, weights: step.params.map((p) => p.get().toFlat()) };
  };

  it('reuses a program lowered for the same graph: same losses, same updates, no rewriting', () => {
    const fresh = train(buildTrainingStep());
    expect(listCachedPrograms()).toHaveLength(1);
    const again = buildTrainingStep();
    const reused = train(again);
    expect(again.fn.lastProgram!.steps.every((s) => s.node === null)).toBe(true);
    expect(reused).toEqual(fresh);
    // The rewritten graph is still there for printers, made when first asked for.
    expect(again.fn.fgraph.history.length).toBeGreaterThan(0);
    expect(again.fn.debugprint()).toContain('Gemm');
  });

  it('prepares a reused program from the packed executor spec kept with it, reading its steps only when asked', () => {
    const fresh = buildTrainingStep();
    const trained = train(fresh);
    const [entry] = listCachedPrograms();
    const [header, steps] = readFileSync(entry.path, 'utf8').split('\n');
    const file = JSON.parse(header) as { prepared: { arrays: Record<string, unknown> } };
    expect(Object.keys(file.prepared.arrays).sort()).toEqual(['exprs', 'layout', 'views']);
    expect(JSON.parse(steps)).toHaveLength(listCachedPrograms()[0].steps);

    const again = buildTrainingStep();
    expect(train(again)).toEqual(trained);
    // Labelled as the fresh executable's steps, and printable from the steps read back.
    const labels = (s: ReturnType<typeof buildTrainingStep>) =>
      (s.fn.lastExecutable as NativeExecutable).steps;
    expect(labels(again)).toEqual(labels(fresh));
    expect(again.fn.lastProgram!.steps.every((s) => s.node === null)).toBe(true);
    expect(again.fn.debugprint()).toContain('Gemm');

    // A kept spec the executor refuses (its layout cut short) is a miss: compiled afresh.
    const broken = JSON.parse(header) as {
      prepared: { arrays: { layout: { shape: number[]; base64: string } } };
    };
    broken.prepared.arrays.layout = { ...broken.prepared.arrays.layout, shape: [1], base64: 'AAAAAA==' };
    writeFileSync(entry.path, `${JSON.stringify(broken)}\n${steps}`);
    const third = buildTrainingStep();
    expect(train(third)).toEqual(trained);
    expect(third.fn.lastProgram!.steps.some((s) => s.node !== null)).toBe(true);
  });

  it('keeps the special numbers of kernel attrs (infinite clip bounds) across the cache', () => {
    const run = () => {
      const x = T.vector('x', 'float32');
      const f = T.fn([x], T.clip(T.mul(x, -0), -Infinity, Infinity), { backend: cpuBackend });
      return (f(T.NDArray.from([1, -2, 3], [3], 'float32')) as T.NDArray).toFlat();
    };
    const fresh = run();
    const reused = run();
    expect(listCachedPrograms()).toHaveLength(1);
    expect(reused.map((v) => Object.is(v, -0))).toEqual(fresh.map((v) => Object.is(v, -0)));
    expect(reused).toEqual(fresh);
  });

  it('compiles afresh (and rewrites the entry) when an entry is truncated or unreadable', () => {
    const fresh = train(buildTrainingStep());
    const [entry] = listCachedPrograms();
    writeFileSync(entry.path, '{"format": 1, "key": "trunc');
    const again = buildTrainingStep();
    expect(train(again)).toEqual(fresh);
    expect(again.fn.lastProgram!.steps.some((s) => s.node !== null)).toBe(true);
    expect(listCachedPrograms()[0].steps).toBeGreaterThan(0);
  });

  it('does not reuse a program cached under another backend build', () => {
    train(buildTrainingStep());
    const rebuilt = { ...cpuBackend, programCacheIdentity: () => 'cpu, another build' };
    const again = buildTrainingStep(rebuilt);
    train(again);
    expect(again.fn.lastProgram!.steps.some((s) => s.node !== null)).toBe(true);
    expect(listCachedPrograms()).toHaveLength(2);
  });

  it('removes the least recently used programs once the directory outgrows its limit', () => {
    const compile = (k: number) => {
      const x = T.vector('x');
      T.fn([x], T.mul(x, k), { backend: cpuBackend })(T.NDArray.from([1, 2], [2], 'float32'));
    };
    compile(2);
    const [first] = listCachedPrograms();
    process.env.LAB_PROGRAM_CACHE_MAX_MB = String((1.5 * first.size) / 2 ** 20);
    try {
      compile(3); // two entries exceed 1.5 entries' worth: the older one goes
      const left = listCachedPrograms();
      expect(left).toHaveLength(1);
      expect(left[0].path).not.toBe(first.path);
    } finally {
      delete process.env.LAB_PROGRAM_CACHE_MAX_MB;
    }
  });

  it('writes nothing when LAB_PROGRAM_CACHE=off', () => {
    process.env.LAB_PROGRAM_CACHE = 'off';
    train(buildTrainingStep());
    expect(readdirSync(dir)).toEqual([]);
  });

  it('serves a new process: a second child finds the first one’s program and computes the same numbers', () => {
    // Both compiles happen in children: a class's source text (part of the key) depends on how
    // its module was loaded, and vitest transforms modules differently from Node.
    const script = fileURLToPath(new URL('../../../fixtures/programCacheChild.ts', import.meta.url));
    const runChild = () => {
      const child = spawnSync(process.execPath, [script], { env: { ...process.env }, encoding: 'utf8' });
      expect(child.stderr).toBe('');
      return JSON.parse(child.stdout) as { fromCache: boolean; losses: number[]; weights: number[][] };
    };
    const first = runChild();
    const second = runChild();
    expect([first.fromCache, second.fromCache]).toEqual([false, true]);
    expect(second).toEqual({ ...first, fromCache: true });
    const fresh = train(buildTrainingStep());
    expect({ losses: second.losses, weights: second.weights }).toEqual(fresh);
  });
});
