// The rewrite phases fn() runs, in order (Theano's optimisation database, reduced to a list):
// merge → constant folding → canonicalize → stabilize → specialize → fusion (chains, then
// siblings, then activations recomputed instead of stored) → in-place.
// `mode.exclude` turns rewrites (or whole phases) off by name, for tests and for debugging a
// suspected rewrite bug.
import type { FunctionGraph } from '../graph/functionGraph.ts';
import { canonicalizeRewrites } from './canonicalize.ts';
import { constantFold } from './constantFold.ts';
import { fusion } from './fusion.ts';
import { specializeRewrites } from './gemm.ts';
import { incSubtensorChains } from './incSubtensorChains.ts';
import { inplace } from './inplace.ts';
import { maxPoolGradMask } from './maxPoolMask.ts';
import { merge } from './merge.ts';
import { recompute } from './recompute.ts';
import { siblingFusion } from './siblingFusion.ts';
import { stabilizeRewrites } from './stabilize.ts';
import { applyNodeRewrites, isGraphRewrite, type NodeRewrite, type Rewrite } from './rewrite.ts';

export interface RewriteMode {
  /** Names of rewrites or phases to skip; `['all']` skips every rewrite. */
  readonly exclude?: readonly string[];
}

export interface Phase {
  readonly name: string;
  readonly rewrites: readonly Rewrite[];
}

// Merge runs again after the phases that make nodes alike; rewrites listed together in a phase
// run to a fixed point together.
export const phases: readonly Phase[] = [
  { name: 'merge', rewrites: [merge] },
  { name: 'constantFolding', rewrites: [constantFold] },
  { name: 'canonicalize', rewrites: [...canonicalizeRewrites, constantFold, merge] },
  { name: 'stabilize', rewrites: stabilizeRewrites },
  { name: 'specialize', rewrites: [...specializeRewrites, incSubtensorChains, maxPoolGradMask, merge] },
  { name: 'fusion', rewrites: [fusion, siblingFusion, recompute] },
  { name: 'inplace', rewrites: [inplace] },
];

export function rewriteNames(): string[] {
  return [...new Set(phases.flatMap((p) => [p.name, ...p.rewrites.map((r) => r.name)]))];
}

export function rewriteGraph(fgraph: FunctionGraph, mode: RewriteMode = {}): void {
  const excluded = new Set(mode.exclude ?? []);
  if (excluded.has('all')) return;
  const unknown = [...excluded].filter((n) => !rewriteNames().includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `mode.exclude names unknown rewrites [${unknown.join(', ')}]; known: ${rewriteNames().join(', ')}`,
    );
  }
  for (const phase of phases) {
    if (excluded.has(phase.name)) continue;
    const enabled = phase.rewrites.filter((r) => !excluded.has(r.name));
    const local: NodeRewrite[] = [];
    const flush = (): void => {
      if (local.length > 0) applyNodeRewrites(fgraph, local.splice(0));
    };
    for (const rewrite of enabled) {
      if (isGraphRewrite(rewrite)) {
        flush();
        rewrite.applyGraph(fgraph);
      } else local.push(rewrite);
    }
    flush();
  }
}
