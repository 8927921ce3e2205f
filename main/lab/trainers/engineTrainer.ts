// What every trainer on the graph engine shares: one compiled update step (one call into the
// backend), the shared variables to checkpoint (parameters and optimizer slots, the step counter
// included) as safetensors with the trainer's position outside the graph (its data cursor), and
// the environment it reports. Kinds subclass it for their models.
import { fn, type CompiledFunction } from '../../../engine/compile/fn.ts';
import type { SharedVariable, Variable } from '../../../engine/core/graph.ts';
import type { NDArray } from '../../../engine/core/ndarray.ts';
import { grad } from '../../../engine/grad/grad.ts';
import { availableBackends, backendDevice, engineVersion } from '../../../engine/info.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../engine/io/safetensors.ts';
import type { Optimizer } from '../../../engine/optim/optimizer.ts';
import { debugprint } from '../../../engine/printing/debugprint.ts';
import { toJSON } from '../../../engine/printing/toJSON.ts';
import type { GraphFunction } from '../views/types.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  Trainer,
  TrainerContext,
  TrainerEnvironment,
} from './trainer.ts';

/**
 * The backend lab runs use: native cpu where the addon loads, else the js reference. (Not cuda
 * on its own: a run on a GPU is asked for, since its numbers differ in the last bits.)
 */
export function labBackend(): 'cpu' | 'js' {
  return availableBackends().includes('cpu') ? 'cpu' : 'js';
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
    const backend = this.trainStep.backend.name;
    return { engineVersion, backend, device: backendDevice(backend) };
  }
}
