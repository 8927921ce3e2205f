// The benchmark's floor (bench/floor.ts): the matrix-product FLOPs counted from a compiled
// program match the FLOPs worked out by hand, and the table divides them by the faster peak.
import { describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { recordingCpu } from '../../../engine/backends/cpu/recording.ts';
import { floorTable, programGemmFlops } from '../../../bench/floor.ts';
import { quadMeta } from '../../../bench/workloads/quadMeta.ts';

describe('programGemmFlops', () => {
  it('counts 2·m·n·k of each product as lowered, transposes included', () => {
    const { backend, prepared } = recordingCpu();
    const x = T.matrix('x');
    const w = T.matrix('w');
    const y = T.matrix('y');
    const f = T.fn([x, w, y], [T.dot(x, w), T.dot(T.transpose(x), y)], { backend });
    f(T.randn([4, 3], { seed: 1 }), T.randn([3, 5], { seed: 2 }), T.randn([4, 6], { seed: 3 }));
    // [4,3]·[3,5]: 2·4·5·3 = 120; [3,4]·[4,6]: 2·3·6·4 = 144.
    expect(programGemmFlops(prepared[0].program)).toBe(264);
  });

  it("counts the L2L meta-iteration's products: forward, weight gradients and input gradients, and the loss's", () => {
    const { backend, prepared } = recordingCpu();
    quadMeta(backend).run();
    // 1280 coordinates, a 2-layer LSTM of 20 units (gates 80 wide) on 2 features, a 20→1 output,
    // unroll 20; the first step starts from h = 0 and skips both h·W_hh products.
    const R = 1280;
    const input = 2 * R * 80 * 2; // x·W_ih of layer 1
    const hidden = 2 * R * 80 * 20; // h1·W_hh1, h1·W_ih2, h2·W_hh2
    const out = 2 * R * 1 * 20; // h2·W_out
    const forward = 20 * (input + hidden + out) + 19 * 2 * hidden;
    // Backward: every product's weight gradient (its own FLOPs again), and its input gradient
    // except for x, the preprocessed gradient behind stopGradient.
    const lstm = forward + forward + (forward - 20 * input);
    expect(lstm).toBe(732_160_000);
    // The quadratics' W_b·θ_b, one batched product of 128 10 × 10 matrices by vectors, at θ0 … θ20,
    // and the gradient W_bᵀ·r_b at each (the optimizee gradient and the meta-gradient share it).
    const loss = 21 * 2 * (2 * 128 * 10 * 10);
    expect(programGemmFlops(prepared[0].program)).toBe(lstm + loss);
  }, 120_000);
});

describe('floorTable', () => {
  const rows = [
    { workload: 'a', flops: 2e9, labSeconds: 0.05, torchSeconds: 0.1 },
    { workload: 'b', flops: 1e9, labSeconds: 0.02, torchSeconds: null },
  ];

  const rates = (engine: number, torch: number | null) => [
    { gflops: engine, source: "the engine's fastest 1024³ call" },
    { gflops: torch, source: "PyTorch+OpenBLAS's fastest 1024³ call" },
  ];

  it('puts the FLOPs at the highest rate measured and says where a speedup goal lies against it', () => {
    const { summary, lines } = floorTable(rows, rates(80, 100), 5);
    expect(summary.a.floor_s).toBeCloseTo(0.02, 12); // 2 GFLOP at 100 GFLOP/s
    expect(summary.a.lab_over_floor).toBeCloseTo(2.5, 12);
    expect(summary.a.goal_over_floor).toBeCloseTo(1, 12); // 0.1 s / 5 = 0.02 s
    expect(summary.b.goal_over_floor).toBeNull();
    expect(lines.join('\n')).toContain("100.0 GFLOP/s, PyTorch+OpenBLAS's fastest");
  });

  it("uses the engine's rate where PyTorch did not run or was slower, and refuses no rate at all", () => {
    expect(floorTable(rows, rates(80, null), 5).summary.b.floor_s).toBeCloseTo(1 / 80, 12);
    expect(floorTable(rows, rates(80, 60), 5).lines[1]).toContain("the engine's");
    const kernel = [...rates(80, 100), { gflops: 220, source: "the engine's micro-kernel in cache" }];
    expect(floorTable(rows, kernel, 5).summary.a.floor_s).toBeCloseTo(2 / 220, 12);
    expect(() => floorTable(rows, [{ gflops: null, source: 'x' }], 5)).toThrow(/no sgemm rate/);
  });
});
