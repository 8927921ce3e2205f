// What the benchmarks' synthetic trainers share (bench/app.ts, ingest.ts, queue.ts): their state
// is a step count, checkpointed as one float64, they report a JavaScript environment, and their
// problem is their name (with the options a benchmark adds), so that what is measured is the
// lab's own cost, not training's.
import {
  optimizerRunConfig,
  type OptimizerRunConfig,
} from '../main/lab/kinds/optimizerComparison/runConfig.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  Trainer,
  TrainerDefinition,
} from '../main/lab/trainers/trainer.ts';

export abstract class CountingTrainer implements Trainer<OptimizerRunConfig> {
  /** Steps taken so far. */
  protected steps = 0;

  abstract init(config: OptimizerRunConfig): void;
  abstract step(): StepMetrics;
  abstract evaluate(): EvaluationMetrics;

  checkpoint(): Uint8Array {
    return new Uint8Array(new Float64Array([this.steps]).buffer);
  }

  restore(state: Uint8Array): void {
    this.steps = new Float64Array(state.buffer, state.byteOffset, 1)[0];
  }

  environment() {
    return { engineVersion: 'bench', backend: 'js', device: 'cpu' };
  }
}

/** A benchmark trainer's definition: problem `{ name }`, plus `options` (JSON Schema properties). */
export function countingTrainer(
  name: string,
  description: string,
  create: () => CountingTrainer,
  options: Record<string, unknown> = {},
): TrainerDefinition<OptimizerRunConfig> {
  return {
    name,
    description,
    runConfig: optimizerRunConfig,
    problemSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { const: name }, ...options },
    },
    create,
  };
}
