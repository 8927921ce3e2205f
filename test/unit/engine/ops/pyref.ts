// Test helper: an independent float64 reference computed by NumPy/PyTorch (test/support/python.ts
// finds the Python).
// One Python process per call evaluates a whole batch of cases, so a test file pays the
// interpreter start-up once.
import { spawnSync } from 'node:child_process';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { requirePython } from '../../../support/python.ts';

export interface PyCase {
  /** A Python expression over the named inputs, `np`, `torch` and `F` (torch.nn.functional). */
  expr: string;
  inputs: Record<string, NDArray>;
}

export interface PyResult {
  shape: number[];
  data: number[];
}

const script = String.raw`
import json, sys
import numpy as np
import torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
def t(a): return torch.from_numpy(np.array(a, copy=True))
dt = {'float32': np.float64, 'float64': np.float64, 'int32': np.int32, 'bool': np.bool_}
out = []
for case in json.load(sys.stdin):
    env = {'np': np, 'torch': torch, 'F': F, 't': t}
    for name, a in case['inputs'].items():
        env[name] = np.array(a['data'], dtype=dt[a['dtype']]).reshape(a['shape'])
    r = eval(case['expr'], env)
    if isinstance(r, torch.Tensor): r = r.detach().numpy()
    r = np.asarray(r).astype(np.float64)
    out.append({'shape': list(r.shape), 'data': [repr(float(v)) for v in r.reshape(-1)]})
json.dump(out, sys.stdout)
`;

/** Evaluates every case in float64 (float inputs are widened before NumPy sees them). */
export function pyReference(cases: readonly PyCase[]): PyResult[] {
  const payload = cases.map((c) => ({
    expr: c.expr,
    inputs: Object.fromEntries(
      Object.entries(c.inputs).map(([k, a]) => [k, { data: a.toFlat(), shape: a.shape, dtype: a.dtype }]),
    ),
  }));
  const run = spawnSync(requirePython('torch'), ['-c', script], {
    input: JSON.stringify(payload),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`python reference failed:\n${run.stderr}`);
  const parsed = JSON.parse(run.stdout) as { shape: number[]; data: string[] }[];
  const num = (s: string): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));
  return parsed.map((r) => ({ shape: r.shape, data: r.data.map(num) }));
}
