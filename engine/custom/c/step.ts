// The cpu backend's native step for a C op: compile/load the op's library (cache) and call its
// kernel from the program. With no C compiler on the machine, an op with a TypeScript perform
// runs it as a JavaScript segment instead (warned once per op); one without perform fails with
// the compiler message. A compile error always fails: the source needs fixing.
import type { Step } from '../../compile/program.ts';
import type { StepSpec, View } from '../../../native/program.ts';
import { COp } from './cOp.ts';
import { CompilerUnavailableError } from './compiler.ts';

const warned = new Set<string>();

/** The native step for a `user_kernel` program step, or null to run the op's perform. */
export function userKernelStep(step: Step, inputs: View[], outputs: View[], opName: string): StepSpec | null {
  const op = step.node?.op;
  if (!(op instanceof COp)) {
    throw new Error(`${opName}: a user_kernel step must come from a COp (engine/custom/c/cOp.ts)`);
  }
  try {
    const kernel = op.compiled();
    const params = (step.attrs.params ?? []) as number[];
    return {
      kernel: 'user_kernel',
      inputs,
      outputs,
      attrs: { library: kernel.library, symbol: kernel.symbol, params, opName },
    };
  } catch (error) {
    if (!(error instanceof CompilerUnavailableError)) throw error;
    if (!op.hasPerform) {
      throw new CompilerUnavailableError(
        `${op.toString()} cannot run: ${error.message} It has no TypeScript perform to fall back on.`,
      );
    }
    if (!warned.has(op.name)) {
      warned.add(op.name);
      process.emitWarning(
        `${op.toString()} runs its TypeScript perform instead of its C kernel: ${error.message}`,
        {
          code: 'LAB_NO_C_COMPILER',
        },
      );
    }
    return null;
  }
}
