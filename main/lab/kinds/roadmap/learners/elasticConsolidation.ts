// Elastic weight consolidation (Kirkpatrick et al. 2017): after a skill's stage, the diagonal of
// the Fisher information F on that skill says how much each weight mattered to it, and training
// on later skills pays λ/2 Σ_i F_i (θ_i − θ*_i)² for moving it. Several skills' anchors add up
// (one penalty per finished stage); kept as sums — A = Σ F, B = Σ F θ*, C = Σ F θ*² — the total is
//     λ/2 Σ_i (A_i θ_i² − 2 B_i θ_i + C_i)
// with three shared tensors per parameter, whatever the number of stages.
import type { SharedVariable, Variable } from '../../../../../engine/core/graph.ts';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import { add, mul, sqr, sub } from '../../../../../engine/ops/math.ts';
import { sum } from '../../../../../engine/ops/reduce.ts';
import { shared } from '../../../../../engine/tensor.ts';

export class ElasticConsolidation {
  readonly lambda: number;
  private readonly params: readonly SharedVariable[];
  private readonly sums: { A: SharedVariable; B: SharedVariable; C: SharedVariable }[];

  constructor(params: readonly SharedVariable[], lambda: number) {
    this.params = params;
    this.lambda = lambda;
    this.sums = params.map((p) => {
      const value = p.get();
      const zeros = () => NDArray.zeros(value.shape, value.dtype);
      return {
        A: shared(zeros(), `ewc.${p.name}.A`),
        B: shared(zeros(), `ewc.${p.name}.B`),
        C: shared(zeros(), `ewc.${p.name}.C`),
      };
    });
  }

  /** λ/2 Σ F (θ − θ*)² over every finished stage, as a graph of the current parameters. */
  penalty(): Variable {
    const terms = this.params.map((p, i) => {
      const { A, B, C } = this.sums[i];
      return sum(add(sub(mul(A, sqr(p)), mul(mul(B, p), 2)), C));
    });
    return mul(
      terms.reduce((total, t) => add(total, t)),
      this.lambda / 2,
    );
  }

  /** Anchors the parameters where they are now, weighted by `fisher` (one array per parameter). */
  consolidate(fisher: readonly NDArray[]): void {
    this.params.forEach((p, i) => {
      const theta = p.get().contiguous().data;
      const f = fisher[i].contiguous().data;
      const { A, B, C } = this.sums[i];
      const [a, b, c] = [A, B, C].map((v) => v.get().contiguous());
      for (let j = 0; j < theta.length; j++) {
        a.data[j] += f[j];
        b.data[j] += f[j] * theta[j];
        c.data[j] += f[j] * theta[j] * theta[j];
      }
      A.set(a);
      B.set(b);
      C.set(c);
    });
  }

  state(): SharedVariable[] {
    return this.sums.flatMap(({ A, B, C }) => [A, B, C]);
  }
}
