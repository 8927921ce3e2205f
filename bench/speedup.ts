// One workload's line in the benchmark: the engine's seconds beside PyTorch's on the reference
// BLAS and on OpenBLAS, with the speedup over each (null where that reference did not run).
import { fmt } from './timing.ts';

export interface WorkloadSummary {
  lab_s: number;
  torch_s: number | null;
  speedup: number | null;
  torch_openblas_s: number | null;
  speedup_openblas: number | null;
}

export function workloadSummary(
  labSeconds: number,
  torchSeconds: number | undefined,
  openBlasSeconds: number | undefined,
): WorkloadSummary {
  const torch = torchSeconds ?? null;
  const openBlas = openBlasSeconds ?? null;
  return {
    lab_s: labSeconds,
    torch_s: torch,
    speedup: torch === null ? null : torch / labSeconds,
    torch_openblas_s: openBlas,
    speedup_openblas: openBlas === null ? null : openBlas / labSeconds,
  };
}

const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);

/** engine, torch, speedup, torch+openblas, speedup — padded to the header's columns. */
export function summaryColumns(s: WorkloadSummary): string {
  return `${fmt(s.lab_s).padEnd(13)} ${fmt(s.torch_s).padEnd(13)} ${times(s.speedup).padEnd(9)} ${fmt(s.torch_openblas_s).padEnd(15)} ${times(s.speedup_openblas)}`;
}
