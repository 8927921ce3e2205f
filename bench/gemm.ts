// sgemm throughput of the native GEMM (one thread) at 1024³ and at the lab's small shapes,
// next to PyTorch's (torch.set_num_threads(1)) when a Python with torch is found. A program that
// prints numbers, not a test:  node bench/gemm.ts   (LAB_PYTHON picks the Python)
import { loadNativeAddon } from '../native/addon.ts';
import type { Isa, ProgramHandle } from '../native/program.ts';
import { median } from './timing.ts';
import { runTorchScript } from './torch.ts';

interface Shape {
  name: string;
  m: number;
  k: number;
  n: number;
  /** op(A) = Aᵀ (A stored k × m), op(B) = Bᵀ (B stored n × k), as the engine's Gemm reads them. */
  transA?: boolean;
  transB?: boolean;
}

const shapes: Shape[] = [
  { name: '1024³', m: 1024, k: 1024, n: 1024 },
  { name: 'MLP layer (batch 128, 784 → 20)', m: 128, k: 784, n: 20 },
  { name: 'LSTM gates (2560 × 20 → 80)', m: 2560, k: 20, n: 80 },
  // mnist_meta's LSTM products over all 15,910 coordinates (operands from memory) and over one
  // 768-row block of a row-block chain (operands in L2)
  { name: 'L2L h·W, all coordinates', m: 15910, k: 20, n: 80 },
  { name: 'L2L h·W, one chain block', m: 768, k: 20, n: 80 },
  { name: 'L2L hᵀ·dz, all coordinates', m: 20, k: 15910, n: 80, transA: true },
  { name: 'L2L hᵀ·dz, one chain block', m: 20, k: 768, n: 80, transA: true },
  { name: 'L2L dz·Wᵀ, all coordinates', m: 15910, k: 80, n: 20, transB: true },
  { name: 'L2L dz·Wᵀ, one chain block', m: 768, k: 80, n: 20, transB: true },
  { name: 'tiny 10 × 10 × 10', m: 10, k: 10, n: 10 },
];

const addon = loadNativeAddon();

/** A one-step program Z = A·B with Z in the arena, so a run measures the kernel plus one crossing. */
function gemmProgram({ m, k, n, transA, transB }: Shape): { program: ProgramHandle; inputs: Float32Array[] } {
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const program = addon.createProgram({
    buffers: [
      { dtype: 'float32', size: m * k, role: 'input' },
      { dtype: 'float32', size: k * n, role: 'input' },
      { dtype: 'float32', size: m * n, role: 'temp' },
    ],
    inputs: [0, 1],
    outputs: [],
    steps: [
      {
        kernel: 'gemm',
        inputs: [
          { buffer: 0, offset: 0, shape: [aRows, aCols], strides: [aCols, 1] },
          { buffer: 1, offset: 0, shape: [bRows, bCols], strides: [bCols, 1] },
        ],
        outputs: [{ buffer: 2, offset: 0, shape: [m, n], strides: [n, 1] }],
        attrs: { transA: !!transA, transB: !!transB },
      },
    ],
  });
  const random = (size: number) =>
    Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 1000) / 500 - 1);
  return { program, inputs: [random(m * k), random(k * n)] };
}

/** Median and best seconds per call over samples of enough calls to last ~20 ms each. The
 * median is the headline; the best sample shows the kernel when other processes share the core. */
function timeCall(call: () => void, samples = 9): { median: number; best: number } {
  call();
  const once = process.hrtime.bigint();
  call();
  const single = Number(process.hrtime.bigint() - once) * 1e-9;
  const reps = Math.max(1, Math.round(0.02 / Math.max(single, 1e-7)));
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) call();
    times.push((Number(process.hrtime.bigint() - t0) * 1e-9) / reps);
  }
  return { median: median(times), best: Math.min(...times) };
}

const torchScript = `
import json, sys, time, torch
torch.set_num_threads(1)
out = {}
for name, m, k, n, ta, tb in json.load(sys.stdin):
    a = (torch.rand(k, m) * 2 - 1).t() if ta else torch.rand(m, k) * 2 - 1
    b = (torch.rand(n, k) * 2 - 1).t() if tb else torch.rand(k, n) * 2 - 1
    z = torch.empty(m, n)
    call = lambda: torch.mm(a, b, out=z)
    call(); t = time.perf_counter(); call(); single = time.perf_counter() - t
    reps = max(1, round(0.02 / max(single, 1e-7)))
    times = []
    for _ in range(9):
        t = time.perf_counter()
        for _ in range(reps): call()
        times.append((time.perf_counter() - t) / reps)
    out[name] = sorted(times)[len(times) // 2]
print(json.dumps(out))
`;

const torchTimes = () =>
  runTorchScript<Record<string, number>>(
    torchScript,
    shapes.map((s) => [s.name, s.m, s.k, s.n, !!s.transA, !!s.transB]),
  );

const gflops = ({ m, k, n }: Shape, seconds: number) => (2 * m * k * n) / seconds / 1e9;
const fmt = (v: number, digits = 1) => v.toFixed(digits).padStart(8);

addon.setThreads(1);
const { selected, supported } = addon.isaInfo();
console.log(`native sgemm, one thread, ISA ${selected} (supported: ${supported.join(', ')})`);
const torch = torchTimes();
if (torch) console.log('PyTorch: torch.mm, torch.set_num_threads(1)');
console.log(
  `${'shape (M×K×N)'.padEnd(44)} ${'µs/call'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'best GF'.padStart(8)} ${'torch µs'.padStart(8)} ${'torch GF'.padStart(8)} ${'speedup'.padStart(8)}`,
);
const result: Record<string, { lab_gflops: number; lab_best_gflops: number; torch_gflops: number | null }> =
  {};
for (const shape of shapes) {
  const { program, inputs } = gemmProgram(shape);
  const t = timeCall(() => addon.run(program, inputs));
  const tt = torch?.[shape.name];
  const label = `${shape.name} ${shape.m}×${shape.k}×${shape.n}`;
  const torchCols = tt ? `${fmt(tt * 1e6)} ${fmt(gflops(shape, tt))} ${fmt(tt / t.median, 2)}` : '';
  console.log(
    `${label.padEnd(44)} ${fmt(t.median * 1e6)} ${fmt(gflops(shape, t.median))} ${fmt(gflops(shape, t.best))} ${torchCols}`,
  );
  result[shape.name] = {
    lab_gflops: gflops(shape, t.median),
    lab_best_gflops: gflops(shape, t.best),
    torch_gflops: tt ? gflops(shape, tt) : null,
  };
}
for (const isa of supported.filter((i) => i !== selected)) {
  addon.setIsa(isa as Isa);
  const { program, inputs } = gemmProgram(shapes[0]);
  const t = timeCall(() => addon.run(program, inputs), 5);
  console.log(
    `forced ISA ${isa}: 1024³ ${fmt(gflops(shapes[0], t.median))} GFLOP/s (best ${fmt(gflops(shapes[0], t.best))})`,
  );
}
addon.setIsa('auto');
console.log(JSON.stringify(result));
