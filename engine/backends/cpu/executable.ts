// A program prepared in the native executor: created once per shape signature (from its packed
// spec, which a reused program brings from the program cache), then each call is one `run`
// crossing. Shared variables stay in the executor's memory between calls: the program attaches a
// residence to each variable it holds, so `get()` pulls the current value (getShared), and when
// the host value changes (`set()`) or another program takes the variable over, the residence is
// released and this program uploads the value again before its next run.
import type { SharedVariable } from '../../core/graph.ts';
import { NDArray, type Shape } from '../../core/ndarray.ts';
import type { Program } from '../../compile/program.ts';
import type { NativeAddon } from '../../../native/addon.ts';
import type { NativeArray, ProgramHandle } from '../../../native/program.ts';
import type { Executable, PreparedForm } from '../backend.ts';
import { ResidentShared } from '../residentShared.ts';
import type { WireSpec, WireStep } from '../../../native/wireSpec.ts';
import { nativeProgramSpec, specFrame, stepLabels, type StepLabel } from './spec.ts';

/** A step the executor refused at createProgram, run as a JavaScript segment instead. */
export interface Fallback {
  readonly step: number;
  readonly reason: string;
}

/** The exact-size row-major data of `a` (the array itself when it already is that). */
function flatData(a: NDArray): NativeArray {
  return a.contiguous().data;
}

const REFUSED_STEP = /^createProgram: steps\[(\d+)\]/;

/** What createProgram made, and from what. */
interface Created {
  readonly wire: WireSpec;
  readonly jsSteps: readonly boolean[];
  readonly handle: ProgramHandle;
  readonly fallbacks: readonly Fallback[];
}

/**
 * createProgram, where a step the executor refuses (a limit of its kernel, not a malformed
 * program: the JavaScript form of the same node is always valid) is retried as a JavaScript
 * segment, so the function still runs — correctly, that step more slowly — and the refusal is
 * kept in `fallbacks` for debugprint and profiles.
 */
function createWithFallbacks(
  addon: NativeAddon,
  program: Program,
  shared: readonly SharedVariable[],
): Created {
  const forced = new Set<number>();
  const fallbacks: Fallback[] = [];
  for (;;) {
    const { spec, jsSteps } = nativeProgramSpec(program, shared, forced);
    const wire = addon.packProgram(spec);
    try {
      return { wire, jsSteps, handle: addon.createPackedProgram(wire), fallbacks };
    } catch (error) {
      const message = (error as Error).message;
      const step = Number(REFUSED_STEP.exec(message)?.[1] ?? -1);
      if (step < 0 || step >= program.steps.length || forced.has(step) || !program.steps[step].node)
        throw error;
      forced.add(step);
      fallbacks.push({ step, reason: message });
    }
  }
}

/** The packed spec's part the program cache keeps (preparedForm): steps reduced to what the
 * executor reads of them once views and expressions are packed. */
interface KeptWire {
  /** The program's own step count (the packed steps add the updates' copies). */
  readonly programSteps: number;
  readonly steps: readonly WireStep[];
  readonly views: Float64Array;
  readonly layout: Int32Array;
  readonly exprs: Float64Array;
}

function isKeptWire(form: PreparedForm): form is PreparedForm & KeptWire {
  return (
    typeof form.programSteps === 'number' &&
    Array.isArray(form.steps) &&
    form.views instanceof Float64Array &&
    form.layout instanceof Int32Array &&
    form.exprs instanceof Float64Array
  );
}

/** createProgram from the packed spec an earlier process kept (every step native). */
function createFromKept(addon: NativeAddon, program: Program, form: PreparedForm): Created {
  if (!isKeptWire(form)) throw new Error("cpu backend: a cached program's packed spec is malformed");
  const wire: WireSpec = { ...specFrame(program), ...form };
  // Not program.steps.map: a cached program's steps are parsed only when asked for.
  const jsSteps = new Array<boolean>(form.programSteps).fill(false);
  return { wire, jsSteps, handle: addon.createPackedProgram(wire), fallbacks: [] };
}

export class NativeExecutable implements Executable {
  readonly program: Program;
  /** Per program step: runs as a JavaScript segment. */
  readonly jsSteps: readonly boolean[];
  /** Steps the executor refused (e.g. an elementwise expression over its size limit). */
  readonly fallbacks: readonly Fallback[];
  /** The native program's steps (program steps, then the update copies), for profiles. */
  readonly steps: readonly StepLabel[];
  private readonly addon: NativeAddon;
  /** While profiling: seconds spent in each native step, summed over runs. */
  private stepSeconds: Float64Array | null = null;
  private readonly handle: ProgramHandle;
  private readonly wire: WireSpec;
  private readonly resident: ResidentShared;
  private readonly outputShapes: readonly Shape[];

  constructor(
    addon: NativeAddon,
    program: Program,
    shared: readonly SharedVariable[],
    prepared?: PreparedForm,
  ) {
    this.addon = addon;
    this.program = program;
    const { wire, jsSteps, handle, fallbacks } = prepared
      ? createFromKept(addon, program, prepared)
      : createWithFallbacks(addon, program, shared);
    this.wire = wire;
    this.jsSteps = jsSteps;
    this.steps = stepLabels(wire.steps);
    this.fallbacks = fallbacks;
    this.handle = handle;
    this.outputShapes = program.outputs.map((v) => [...v.shape]);
    this.resident = new ResidentShared(program, shared, {
      read: (buffer) => addon.getShared(handle, buffer),
      write: (buffer, data) => addon.setShared(handle, buffer, data),
    });
  }

  run(inputs: readonly NDArray[]): NDArray[] {
    this.resident.upload();
    const results = this.addon.run(
      this.handle,
      this.program.inputs.map((v, i) => flatData(inputs[i])),
      this.stepSeconds ?? undefined,
    );
    return results.map((data, i) => new NDArray(data, this.outputShapes[i]));
  }

  /** Starts (or restarts) summing each step's wall time over the following runs. */
  startProfile(): void {
    this.stepSeconds = new Float64Array(this.steps.length);
  }

  /** Seconds per step summed since startProfile (null when not profiling); stops profiling. */
  stopProfile(): Float64Array | null {
    const seconds = this.stepSeconds;
    this.stepSeconds = null;
    return seconds;
  }

  /** The row-block chains the last run ran (native/PROGRAM.md, Row blocks): at each step, the
   * number of steps of the chain starting there, 0 where none does. Planned on the first run for
   * the thread count; none on more than one thread. */
  rowChains(): Int32Array {
    return this.addon.rowChains(this.handle);
  }

  /** The packed spec for the program cache: steps without their views and expression trees
   * (the executor reads those from the packed arrays). */
  preparedForm(): PreparedForm & KeptWire {
    const steps = this.wire.steps.map(({ kernel, attrs }) => {
      if (kernel !== 'elementwise' || !attrs) return { kernel, attrs };
      const { outputs: _trees, ...rest } = attrs as { outputs?: unknown };
      return { kernel, attrs: rest };
    });
    const { views, layout, exprs } = this.wire;
    return { programSteps: this.program.steps.length, steps, views, layout, exprs };
  }

  /** Hands every shared value this program holds back to the host. */
  dispose(): void {
    this.resident.release();
  }
}
