// Where an optimizee is within its problem: θ and the learned rule's state after the optimizee
// steps taken so far. Unroll functions take a trajectory as inputs and return the next one.
import { NDArray, type Shape } from '../../../../engine/core/ndarray.ts';

export interface Trajectory {
  theta: NDArray;
  state: NDArray[];
}

export function startTrajectory(theta0: NDArray, stateShapes: readonly Shape[]): Trajectory {
  return { theta: theta0, state: stateShapes.map((shape) => NDArray.zeros(shape, 'float32')) };
}

export interface UnrollResult {
  metaLoss: number;
  /** The optimizee's loss after the unroll's last step. */
  lastLoss: number;
  next: Trajectory;
}

/** An unroll function's outputs [meta-loss, last loss, θ_T, …state_T] as a result. */
export function unrollResult(outputs: NDArray | NDArray[]): UnrollResult {
  const [metaLoss, lastLoss, theta, ...state] = outputs as NDArray[];
  return { metaLoss: metaLoss.toFlat()[0], lastLoss: lastLoss.toFlat()[0], next: { theta, state } };
}

/** The trajectory's tensors under `prefix` (for checkpoints). */
export function trajectoryTensors(prefix: string, trajectory: Trajectory): Record<string, NDArray> {
  return Object.fromEntries([
    [`${prefix}.theta`, trajectory.theta],
    ...trajectory.state.map((s, i): [string, NDArray] => [`${prefix}.state${i}`, s]),
  ]);
}

/** A trajectory back from checkpoint tensors; throws naming what is missing. */
export function trajectoryFrom(
  prefix: string,
  tensors: Record<string, NDArray>,
  stateCount: number,
): Trajectory {
  const get = (name: string) => {
    const value = tensors[name];
    if (!value)
      throw new Error(`meta-training checkpoint has no ${name}: it was written by another configuration`);
    return value;
  };
  return {
    theta: get(`${prefix}.theta`),
    state: Array.from({ length: stateCount }, (_, i) => get(`${prefix}.state${i}`)),
  };
}
