// What every trainer on the graph engine shares: one compiled update step (one call into the
// backend), the shared variables to checkpoint (parameters and optimizer slots, the step counter
// included) as safetensors with the trainer's position outside the graph (its data cursor), and
// the environment it reports. Kinds subclass it for their models.
import { fn, type CompiledFunction } from '../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../engine/core/graph.ts';
import type { NDArray } from '../../../engine/core/ndarray.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { cpuBackendUnavailableReason } from '../../../engine/backends/cpu.ts';
import { cudaStatus } from '../../../engine/backends/cuda.ts';
import { availableBackends, backendDevice, engineVersion } from '../../../engine/info.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../engine/io/safetensors.ts';
import type { Optimizer } from '../../../engine/optim/optimizer.ts';
import { debugprint } from '../../../engine/printing/debugprint.ts';
import { toJSON } from '../../../engine/printing/toJSON.ts';
import { UserError } from '../../userError.ts';
import { labBackendNames, type LabBackendName } from '../backendNames.ts';
import type { GraphFunction } from '../views/types.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  Trainer,
  TrainerContext,
  TrainerEnvironment,
} from './trainer.ts';

/** `name` as a lab backend, or an error saying which there are (whether it loads here is not asked). */
export function labBackendName(name: string): LabBackendName {
  if (!(labBackendNames as readonly string[]).includes(name)) {
    throw new UserError(
      `the backend "${name}" (--backend, LAB_BACKEND or the experiment's choice) is not one lab runs compute on: ` +
        `use ${labBackendNames.join(', ')}, or none for cpu (js where the native addon is not built)`,
    );
  }
  return name as LabBackendName;
}

/**
 * The backend lab runs use: the one `LAB_BACKEND` asks for (`lab run --backend cuda`, a GPU box's
 * `lab worker --backend cuda`: worker processes inherit it), else native cpu where the addon
 * loads, else the js reference. Never cuda on its own: a run on a GPU is asked for, since its
 * numbers differ from cpu runs in the last bits. A backend asked for that cannot run here is an
 * error naming why, not a quiet fall-back to another one.
 */
export function labBackend(requested = process.env.LAB_BACKEND): LabBackendName {
  if (requested === undefined || requested === '') return availableBackends().includes('cpu') ? 'cpu' : 'js';
  const backend = labBackendName(requested);
  if (!availableBackends().includes(backend)) {
    const why = backend === 'cuda' ? cudaStatus().reason : cpuBackendUnavailableReason();
    throw new UserError(
      `runs were asked to compute on ${backend} (--backend, LAB_BACKEND or the experiment's choice), but the ${backend} backend does not ` +
        `load on this machine: ${why}. ` +
        (backend === 'cuda'
          ? 'Run on a machine with an NVIDIA GPU and its driver, or leave --backend out to compute on the CPU.'
          : 'Build the native addon (npm run build:native), or use --backend js.'),
    );
  }
  return backend;
}

/**
 * Where a run computes, as it is stored with the run. On the js backend because the native addon
 * did not load (not built, or being rebuilt when the worker started), the run says so: it is
 * 10–50× slower and its last bits differ from cpu runs, which a researcher should not find out
 * from a progress bar.
 */
export function runEnvironment(
  backend: string,
  addonFailure = backend === 'js' ? cpuBackendUnavailableReason() : '',
): TrainerEnvironment {
  return {
    engineVersion,
    backend,
    device: backendDevice(backend),
    ...(addonFailure && {
      warning:
        `this run computes on the JavaScript backend, many times slower than cpu, because the native addon ` +
        `did not load: ${addonFailure}. Build it (npm run build:native) and resume the experiment for native speed.`,
    }),
  };
}

/** The first value of a function's (first) output, as a number. */
export function scalarOf(value: NDArray | NDArray[]): number {
  return (Array.isArray(value) ? value[0] : value).toFlat()[0];
}

export abstract class EngineTrainer<Config> implements Trainer<Config> {
  protected state: SharedVariable[] = [];
  protected trainStep!: CompiledFunction;
  protected position: Record<string, number> = {};
  protected readonly backend = labBackend();

  abstract init(config: Config, seed: number, context: TrainerContext): void;
  abstract step(): StepMetrics;
  abstract evaluate(): EvaluationMetrics;

  /** Compiles the update step for `loss` over `params` with `optimizer`, remembering what to checkpoint. */
  protected compile(
    inputs: Variable[],
    loss: Variable,
    params: SharedVariable[],
    optimizer: Optimizer,
  ): void {
    const updates = optimizer.updates(params, grad(loss, params));
    this.trainStep = fn(inputs, loss, { updates, backend: this.backend });
    this.state = [...params, ...optimizer.state()];
  }

  checkpoint(): Uint8Array {
    const tensors = Object.fromEntries(this.state.map((v) => [v.name!, v.get()]));
    return encodeSafetensors(tensors, { position: JSON.stringify(this.position) });
  }

  restore(bytes: Uint8Array): void {
    const { tensors, metadata } = decodeSafetensors(bytes, 'checkpoint');
    for (const variable of this.state) {
      const value = tensors[variable.name!];
      if (!value)
        throw new Error(`checkpoint has no value for ${variable.name}: it was written by another model`);
      variable.set(value);
    }
    this.position = JSON.parse(metadata.position ?? '{}') as Record<string, number>;
  }

  /** The compiled functions to show in the graph view, by name: the update step, and a subclass's evaluation. */
  protected compiledFunctions(): [string, CompiledFunction][] {
    return [['train step', this.trainStep]];
  }

  /**
   * Each compiled function as the backend runs it. One step and one evaluation run first: a
   * program (and with it which steps run as JavaScript) exists only once a function was called.
   */
  describe(): GraphFunction[] {
    this.step();
    this.evaluate();
    return this.compiledFunctions().map(([name, f]) => ({
      name,
      graph: toJSON(f),
      debugprint: debugprint(f, { shapes: true }),
    }));
  }

  environment(): TrainerEnvironment {
    return runEnvironment(this.trainStep.backend.name);
  }
}
