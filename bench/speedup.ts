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

/** `pairedOpenBlasSpeedup`: the median of paired rounds' ratios (bench/pairedRounds.ts), which
 * then stands for the OpenBLAS speedup instead of the ratio of the two medians. */
export function workloadSummary(
  labSeconds: number,
  torchSeconds: number | undefined,
  openBlasSeconds: number | undefined,
  pairedOpenBlasSpeedup?: number | null,
): WorkloadSummary {
  const torch = torchSeconds ?? null;
  const openBlas = openBlasSeconds ?? null;
  return {
    lab_s: labSeconds,
    torch_s: torch,
    speedup: torch === null ? null : torch / labSeconds,
    torch_openblas_s: openBlas,
    speedup_openblas: pairedOpenBlasSpeedup ?? (openBlas === null ? null : openBlas / labSeconds),
  };
}

const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);

/** The columns' header after a row label of `label` (padded to `width`). OpenBLAS first: the fair
 * comparison; the reference BLAS (Debian's libblas3, ~3 GFLOP/s sgemm) second. */
export function summaryHeader(label: string, width: number): string {
  return `${label.padEnd(width)} engine        torch+openblas  speedup   torch (ref. BLAS)  speedup`;
}

/** engine, torch+openblas, speedup, torch on the reference BLAS, speedup — under summaryHeader. */
export function summaryColumns(s: WorkloadSummary): string {
  return `${fmt(s.lab_s).padEnd(13)} ${fmt(s.torch_openblas_s).padEnd(15)} ${times(s.speedup_openblas).padEnd(9)} ${fmt(s.torch_s).padEnd(18)} ${times(s.speedup)}`;
}

/** engine, torch+openblas and the speedup, for the two-thread table. */
export function twoColumns(lab: number, torch: number | undefined): string {
  return `${fmt(lab).padEnd(13)} ${fmt(torch ?? null).padEnd(15)} ${times(torch === undefined ? null : torch / lab)}`;
}
