// The optimizer-comparison config after schema validation (defaults filled in), and the
// half-decade learning-rate grid it tunes over.
import type { OptimizerKind } from '../../../../engine/optim/index.ts';
import { parseWithSchema } from '../../definitions/schemaRegistry.ts';
import type { RunLoop, SelectionMetric } from '../../runPlan.ts';

export interface LearningRateRange {
  min: number;
  max: number;
}

/**
 * One optimizer entry: its name, optional fixed lr or own grid, and its hyperparameters; or a
 * learned optimizer (`learned`) with its file: an artifact id (a meta-training run's optimizer)
 * or a path.
 */
export type OptimizerSpec = {
  /** One of the engine's handcrafted optimizers (engine/optim's optimizerKinds), or `learned`. */
  name: OptimizerKind;
  lr?: number;
  learningRates?: LearningRateRange;
  artifact?: number | string;
} & Record<string, unknown>;

export interface OptimizerComparisonConfig {
  name: string;
  description?: string;
  seed: number;
  problem: { name: string } & Record<string, unknown>;
  /** Every run's loop, as it is. */
  training: RunLoop;
  learningRates: LearningRateRange;
  optimizers: OptimizerSpec[];
  tuning: { seeds: number };
  report: { seeds: number; targetLoss?: number };
}

/** Learning rates are chosen on the final validation loss. */
export const optimizerComparisonSelection: SelectionMetric = { name: 'val_loss', goal: 'min' };

export const optimizerComparisonSchemaId = 'optimizer-comparison.schema.json';

/** The `experiment:` section as stored (or just validated), typed; defaults filled in. */
export function parseOptimizerComparisonConfig(value: unknown): OptimizerComparisonConfig {
  return parseWithSchema<OptimizerComparisonConfig>(
    optimizerComparisonSchemaId,
    value,
    'the optimizer-comparison experiment config',
  );
}

// Tolerance for min/max written as rounded decimals (3e-4 for 10^-3.5 = 3.162e-4).
const gridSlack = 0.12;

/** Exponents k of the grid points 10^(k/2) within [min, max]. */
export function gridExponents(range: LearningRateRange): number[] {
  const first = Math.ceil(2 * Math.log10(range.min) - gridSlack);
  const last = Math.floor(2 * Math.log10(range.max) + gridSlack);
  const exponents: number[] = [];
  for (let k = first; k <= last; k++) exponents.push(k);
  return exponents;
}

/** The half-decade grid 10^(k/2): 1e-4, 3.16e-4, 1e-3, 3.16e-3, … within [min, max]. */
export function learningRateGrid(range: LearningRateRange): number[] {
  return gridExponents(range).map((k) => 10 ** (k / 2));
}

/** Grid points as researchers write them (1e-3, 3e-3, 0.1, 0.3, 1); other values to 3 digits. */
export function formatLearningRate(lr: number): string {
  const twiceLog = 2 * Math.log10(lr);
  const k = Math.round(twiceLog);
  if (Math.abs(twiceLog - k) > 1e-9) return String(Number(lr.toPrecision(3)));
  const decade = Math.floor(k / 2);
  const mantissa = k % 2 === 0 ? 1 : 3;
  return decade >= -2 && decade <= 2
    ? String(Number((mantissa * 10 ** decade).toPrecision(3)))
    : `${mantissa}e${decade}`;
}

/**
 * The optimizer's name, distinct for repeated names (`sgd#1`, `sgd#3`); a learned optimizer says
 * which file it is: `learned (artifact 12)`, `learned (l2l.safetensors)`, or as many of the path's
 * last folders as tell it from the other learned files (`learned (run-2/optimizer.safetensors)`:
 * every meta-training run leaves an `optimizer.safetensors`).
 */
export function optimizerLabel(spec: OptimizerSpec, index: number, all: readonly OptimizerSpec[]): string {
  const paths = all.flatMap((s) =>
    s.name === 'learned' && typeof s.artifact === 'string' ? [s.artifact.split('/')] : [],
  );
  const fileName = (path: string): string => {
    const parts = path.split('/');
    const others = paths.filter((p) => p.join('/') !== path);
    for (let n = 1; n < parts.length; n++) {
      const tail = parts.slice(-n).join('/');
      if (others.every((p) => p.slice(-n).join('/') !== tail)) return tail;
    }
    return path;
  };
  const name = (s: OptimizerSpec): string => {
    if (s.name !== 'learned') return s.name;
    return `learned (${typeof s.artifact === 'number' ? `artifact ${s.artifact}` : fileName(String(s.artifact))})`;
  };
  const repeated = all.filter((s) => name(s) === name(spec)).length > 1;
  return repeated ? `${name(spec)}#${index + 1}` : name(spec);
}

/** The optimizer's hyperparameters without the tuning settings. */
export function optimizerHyperparameters(spec: OptimizerSpec): Record<string, unknown> {
  const { lr: _lr, learningRates: _grid, ...rest } = spec;
  return rest;
}
