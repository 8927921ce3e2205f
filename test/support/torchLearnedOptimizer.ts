// What the PyTorch references of the learned LSTM optimizer share (torch_ref.py's CoordLSTM and
// meta_iteration): its gradient preprocessing as Python source to put into a script, and our
// weights in PyTorch's layout.
import type { NDArray } from '../../engine/core/ndarray.ts';

/**
 * Andrychowicz et al.'s gradient preprocessing (p = 10) as torch_ref.py writes it: a Python
 * `preprocess(g)` for a script that has imported math and torch.
 */
export const TORCH_PREPROCESS = `
def preprocess(g, p=10.0):
    a = g.abs()
    big = a >= math.exp(-p)
    x1 = torch.where(big, torch.log(a.clamp_min(1e-30)) / p, torch.full_like(g, -1.0))
    x2 = torch.where(big, torch.sign(g), math.exp(p) * g)
    return torch.stack([x1, x2], dim=1)
`;

/** A parameter flattened in PyTorch's layout: our matrices are stored transposed. */
export function torchLayout(a: NDArray): number[] {
  if (a.ndim !== 2) return a.toFlat();
  const m = a.toNested() as number[][];
  return m[0].flatMap((_, j) => m.map((r) => r[j]));
}
