// What a user op costs inside a native program, per form of AXPB: a chain of 10 AXPB steps
// compiled for the cpu backend and called many times. Prints the time per step for each form
// and tensor size; the TypeScript form runs as a JavaScript segment (the executor calls back into
// JS, copies the inputs out and the result back), the expression form as the native elementwise
// kernel and the C form as a compiled user kernel. Run: node engine/examples/axpbOverhead.ts
import '../backends/cpu.ts';
import * as T from '../index.ts';
import { axpb } from './axpb.ts';
import { axpbC } from './axpbC.ts';
import { axpbExpression } from './axpbExpression.ts';

const steps = 10;
const forms = { TypeScript: axpb, expression: axpbExpression, C: axpbC } as const;

function timePerStep(form: keyof typeof forms, n: number): number {
  const x = T.vector('x');
  let y = x;
  // Alternating constants: nothing folds or merges, every step runs.
  for (let i = 0; i < steps; i++) y = forms[form](y, i % 2 ? 0.5 : 2, i % 2 ? 1 : -1);
  // Fusion off: the expression form would otherwise fuse the chain into one kernel.
  const f = T.fn([x], y, { backend: 'cpu', mode: { exclude: ['fusion'] } });
  const input = T.rand([n], { seed: 1 });
  const calls = Math.max(20, Math.min(20_000, Math.round(2e7 / (n * steps))));
  for (let i = 0; i < Math.min(calls, 200); i++) f(input);
  const start = performance.now();
  for (let i = 0; i < calls; i++) f(input);
  return ((performance.now() - start) * 1000) / (calls * steps);
}

console.log('µs per AXPB step inside a cpu program (10 steps, fusion off):');
console.log(['elements', ...Object.keys(forms)].map((s) => s.padStart(12)).join(''));
for (const n of [1, 100, 10_000, 1_000_000]) {
  const row = (Object.keys(forms) as (keyof typeof forms)[]).map((form) => timePerStep(form, n).toFixed(2));
  console.log([String(n), ...row].map((s) => s.padStart(12)).join(''));
}
