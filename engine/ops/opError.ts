// Error messages for ops: what was wrong, which op, the shapes involved, and the user's line
// that built the node (so a mismatch points at the researcher's code, not the engine's).
import { userCallSite } from '../core/callSite.ts';
import type { Apply, Op, Variable } from '../core/graph.ts';

/** `x: float32(?, 3)` — a variable with its type, for messages. */
export function describe(v: Variable): string {
  return `${v.toString()}: ${v.type.toString()}`;
}

/** An error raised while building a node (makeNode): names the op and the caller's line. */
export function buildError(op: Op | string, message: string): Error {
  return new Error(`${op.toString()}: ${message}\n  (node built at ${userCallSite()})`);
}

/** An error raised while running a node (perform): names the op and where it was built. */
export function runError(node: Apply, message: string): Error {
  return new Error(`${node.op.toString()}: ${message}\n  (node built at ${node.trace})`);
}
