// Plain float64 reference implementations of the layers (row-major number[][] matrices), written
// from the PyTorch documentation's equations and independent of the engine.

export type Mat = number[][];

export function toMat(flat: ArrayLike<number>, rows: number, cols: number): Mat {
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) => Number(flat[r * cols + c])),
  );
}

export function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

export function addRow(a: Mat, row: readonly number[]): Mat {
  return a.map((r) => r.map((v, j) => v + row[j]));
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const cols = (m: Mat, from: number, n: number): Mat => m.map((r) => r.slice(from, from + n));
const zip = (a: Mat, b: Mat, f: (x: number, y: number) => number): Mat =>
  a.map((r, i) => r.map((v, j) => f(v, b[i][j])));
const map = (a: Mat, f: (x: number) => number): Mat => a.map((r) => r.map(f));

/** Weights in our layout: W_ih [in, 4H], W_hh [H, 4H], biases [4H]. */
export interface CellWeights {
  Wih: Mat;
  Whh: Mat;
  bih: number[];
  bhh: number[];
}

export function lstmCellRef(x: Mat, h: Mat, c: Mat, w: CellWeights): { h: Mat; c: Mat } {
  const H = h[0].length;
  const z = addRow(
    addRow(
      zip(matmul(x, w.Wih), matmul(h, w.Whh), (a, b) => a + b),
      w.bih,
    ),
    w.bhh,
  );
  const i = map(cols(z, 0, H), sigmoid);
  const f = map(cols(z, H, H), sigmoid);
  const g = map(cols(z, 2 * H, H), Math.tanh);
  const o = map(cols(z, 3 * H, H), sigmoid);
  const cNew = zip(
    zip(f, c, (a, b) => a * b),
    zip(i, g, (a, b) => a * b),
    (a, b) => a + b,
  );
  return { h: zip(o, map(cNew, Math.tanh), (a, b) => a * b), c: cNew };
}

export function gruCellRef(x: Mat, h: Mat, w: CellWeights): Mat {
  const H = h[0].length;
  const xi = addRow(matmul(x, w.Wih), w.bih);
  const hh = addRow(matmul(h, w.Whh), w.bhh);
  const r = map(
    zip(cols(xi, 0, H), cols(hh, 0, H), (a, b) => a + b),
    sigmoid,
  );
  const z = map(
    zip(cols(xi, H, H), cols(hh, H, H), (a, b) => a + b),
    sigmoid,
  );
  const n = map(
    zip(
      cols(xi, 2 * H, H),
      zip(r, cols(hh, 2 * H, H), (a, b) => a * b),
      (a, b) => a + b,
    ),
    Math.tanh,
  );
  return n.map((row, i) => row.map((nv, j) => (1 - z[i][j]) * nv + z[i][j] * h[i][j]));
}

export function maxAbsDiff(a: Mat, b: Mat): number {
  let m = 0;
  a.forEach((r, i) => r.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i][j])))));
  return m;
}
