// Forgetting and transfer as Lopez-Paz & Ranzato (2017, "Gradient Episodic Memory") measure them
// from the accuracy matrix R, where R[i][j] is the accuracy on skill j once the stage of skill i
// has ended, b[j] the accuracy on skill j of the untrained learner, and the final row the
// accuracies at the end of the run (their R[T]):
//   ACC = (1/T) Σ_j final[j]
//   BWT = 1/(T−1) Σ_{i<T} (final[i] − R[i][i])         < 0: learning later skills erased earlier ones
//   FWT = 1/(T−1) Σ_{i>1} (R[i−1][i] − b[i])           > 0: earlier skills made later ones easier
// Stages that never ended (a skill never mastered under a teacher without stages) have no row;
// the sums then run over the stages that did, and a measure with no term is null.

export interface ForgettingMeasures {
  acc: number | null;
  bwt: number | null;
  fwt: number | null;
}

export function forgettingMeasures(
  rows: readonly (readonly number[] | null)[],
  final: readonly number[],
  initial: readonly number[] | null,
): ForgettingMeasures {
  const T = final.length;
  const meanOf = (values: number[]) =>
    values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  const backward: number[] = [];
  for (let i = 0; i < T - 1; i++) {
    const row = rows[i];
    if (row) backward.push(final[i] - row[i]);
  }
  const forward: number[] = [];
  if (initial) {
    for (let i = 1; i < T; i++) {
      const row = rows[i - 1];
      if (row) forward.push(row[i] - initial[i]);
    }
  }
  return { acc: T === 0 ? null : meanOf([...final]), bwt: meanOf(backward), fwt: meanOf(forward) };
}
