// The distance to the floor: how far a workload's time is from the least time its matrix
// products need. A compiled call's FLOPs are counted from its program's gemm steps (2·m·n·k
// each, as lowered: the forward products and every gradient product autodiff made), and the
// floor is those FLOPs at the best sgemm rate measured on this machine in the same run: the
// fastest of the engine's micro-kernel on an in-cache product, the engine's 1024³ call and
// PyTorch+OpenBLAS's 1024³ call, one thread (the fastest, since other load on a shared machine
// only slows calls down; the in-cache product is the highest, as no packing or memory traffic
// holds the multiply-add units back). Nothing else is counted — elementwise work, reductions,
// memory traffic — so the floor is a bound no implementation of the same math beats on this
// machine, the engine and PyTorch alike. Issue #18 asks for the distance; the last column says
// whether a speedup goal over PyTorch is above the floor at all.
import type { Program } from '../engine/compile/program.ts';
import { fmt } from './timing.ts';

/** FLOPs of one call of `program`: 2·m·n·k summed over its gemm steps. */
export function programGemmFlops(program: Program): number {
  let flops = 0;
  for (const step of program.steps) {
    if (step.kernel !== 'gemm') continue;
    const [a, b] = step.inputs;
    const transA = step.attrs.transA === true;
    const transB = step.attrs.transB === true;
    const m = transA ? a.shape[1] : a.shape[0];
    const k = transA ? a.shape[0] : a.shape[1];
    const n = transB ? b.shape[0] : b.shape[1];
    flops += 2 * m * n * k;
  }
  return flops;
}

export interface FloorRow {
  readonly workload: string;
  readonly flops: number;
  readonly labSeconds: number;
  /** PyTorch+OpenBLAS's seconds for the same workload, null where it did not run. */
  readonly torchSeconds: number | null;
}

export interface FloorSummary {
  gflop: number;
  floor_s: number;
  /** The engine's time over the floor. */
  lab_over_floor: number;
  /** The time a `goal`× speedup over PyTorch+OpenBLAS asks for, over the floor (< 1: unreachable). */
  goal_over_floor: number | null;
}

/** A sgemm rate measured in this run, and what it was measured on. */
export interface MeasuredRate {
  readonly gflops: number | null;
  /** e.g. "the engine's fastest 1024³ call" */
  readonly source: string;
}

/** The floor table (printed) and its numbers for the benchmark's JSON line; the floor uses the
 * highest of `rates` (those measured: null where a reference did not run). */
export function floorTable(
  rows: readonly FloorRow[],
  rates: readonly MeasuredRate[],
  goal: number,
): { lines: string[]; summary: Record<string, FloorSummary> } {
  const measured = rates.filter((r): r is MeasuredRate & { gflops: number } => r.gflops !== null);
  if (measured.length === 0) throw new Error('floorTable: no sgemm rate was measured');
  const peak = measured.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const best = peak.gflops;
  const lines = [
    `distance to the floor: each call's matrix-product FLOPs at the peak sgemm rate measured here`,
    `(${best.toFixed(1)} GFLOP/s, ${peak.source}; elementwise work and memory traffic`,
    `not counted: no implementation of the same math is faster on this machine)`,
    `${'workload'.padEnd(12)} GFLOP/call  floor      engine     ÷ floor  ${goal}× torch+openblas  ÷ floor`,
  ];
  const summary: Record<string, FloorSummary> = {};
  for (const r of rows) {
    const floor = r.flops / (best * 1e9);
    const goalSeconds = r.torchSeconds === null ? null : r.torchSeconds / goal;
    summary[r.workload] = {
      gflop: r.flops / 1e9,
      floor_s: floor,
      lab_over_floor: r.labSeconds / floor,
      goal_over_floor: goalSeconds === null ? null : goalSeconds / floor,
    };
    const goalColumns =
      goalSeconds === null ? '—' : `${fmt(goalSeconds).padEnd(18)} ${(goalSeconds / floor).toFixed(2)}×`;
    lines.push(
      `${r.workload.padEnd(12)} ${(r.flops / 1e9).toFixed(3).padEnd(11)} ${fmt(floor).padEnd(10)} ${fmt(r.labSeconds).padEnd(10)} ${(r.labSeconds / floor).toFixed(2).padStart(5)}×   ${goalColumns}`,
    );
  }
  return { lines, summary };
}
