// Where the user built a node: the first stack frame outside the engine. Errors about a node
// name that line, so a shape mismatch points at the researcher's code, not ours.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = dirname(dirname(fileURLToPath(import.meta.url)));

export function userCallSite(): string {
  return siteInStack(new Error());
}

/**
 * A call site captured now and named when first asked: every graph node takes one, and
 * formatting the stack of each (about a quarter of building the unrolled L2L graph) is only
 * needed for the few an error message names. V8 formats an Error's stack on first access.
 */
export class CallSite {
  private readonly capture = new Error();
  private name: string | null = null;

  toString(): string {
    this.name ??= siteInStack(this.capture);
    return this.name;
  }
}

function siteInStack(capture: Error): string {
  const stack = capture.stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!match) continue;
    const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    if (file.startsWith(engineDir) || file.startsWith('node:') || file.includes('/node_modules/')) continue;
    return `${file}:${match[2]}`;
  }
  return '(unknown location)';
}

/** While `sharingCallSite` runs: the call site every node made then takes. */
let shared: CallSite | null = null;

/** The call site of a node made now: captured now, or the one `sharingCallSite` captured. */
export function callSiteHere(): CallSite {
  return shared ?? new CallSite();
}

/**
 * Runs `work` with every node it makes sharing one call site, captured now. For the compiler's
 * passes: they make thousands of nodes, all inside the user's T.fn call, so each capture named
 * the same first frame outside the engine (and FunctionGraph.replace gives an imported node the
 * site of the node it replaces anyway); the captures were 6 % of rewriting the unrolled L2L graph.
 */
export function sharingCallSite<T>(work: () => T): T {
  const outer = shared;
  shared ??= new CallSite();
  try {
    return work();
  } finally {
    shared = outer;
  }
}
