// The optimizer-comparison experiment kind: handcrafted optimizers on one problem, learning
// rates tuned fairly over seeds, chosen settings rerun on fresh seeds for the report.
import { idxFolderProblem } from '../../../../engine/data/mnist.ts';
import { loadLearnedOptimizer } from '../../../../engine/optim/learnedArtifact.ts';
import type { DefinitionProblem } from '../../definitions/definitionError.ts';
import type { ValidationContext } from '../../definitions/validationContext.ts';
import { findTrainer, trainerProblemSchemaId, trainersOfKind } from '../../trainers/registry.ts';
import type { ExperimentKind } from '../experimentKind.ts';
import type { LearningRateRange, OptimizerComparisonConfig, OptimizerSpec } from './config.ts';
import {
  learningRateGrid,
  optimizerComparisonSchemaId,
  optimizerComparisonSelection,
  parseOptimizerComparisonConfig,
} from './config.ts';
import { planOptimizerComparison } from './plan.ts';
import { presentOptimizerComparison } from './present.ts';
import {
  parseOptimizerComparisonReport,
  summariseOptimizerComparison,
  type OptimizerComparisonReport,
} from './report.ts';
import { optimizerComparisonKindName } from './runConfig.ts';

function checkRange(
  range: LearningRateRange,
  path: (string | number)[],
  context: ValidationContext,
): DefinitionProblem[] {
  if (range.min > range.max) {
    return [context.problem([...path, 'min'], `expected min ≤ max, got min ${range.min} > max ${range.max}`)];
  }
  if (learningRateGrid(range).length === 0) {
    return [
      context.problem(
        path,
        `no half-decade learning rate (1e-4, 3e-4, 1e-3, …) lies between ${range.min} and ${range.max}`,
      ),
    ];
  }
  return [];
}

function checkProblem(config: OptimizerComparisonConfig, context: ValidationContext): DefinitionProblem[] {
  const path = ['experiment', 'problem'];
  const name = config.problem.name;
  const trainer = findTrainer(name)?.definition;
  if (!trainer || trainer.runConfig.kind !== optimizerComparisonKindName) {
    const known = trainersOfKind(optimizerComparisonKindName);
    const other = trainer ? ` ("${name}" trains runs of another kind, ${trainer.runConfig.kind})` : '';
    return [
      context.problem(
        [...path, 'name'],
        `unknown problem "${name}"${other}: expected one of ${known.join(', ')}`,
      ),
    ];
  }
  const builtinSchema = `problems/${name}.schema.json`;
  if (context.hasSchema(builtinSchema)) {
    const problems = context.validate(builtinSchema, config.problem, path);
    return problems.length > 0 ? problems : checkDatasetFolder(config.problem, path, context);
  }
  if (trainer.problemSchema) return context.validate(trainerProblemSchemaId(name), config.problem, path);
  return [];
}

/** An IDX folder a problem reads is checked now, not when every run of the grid fails on it. */
function checkDatasetFolder(
  problem: OptimizerComparisonConfig['problem'],
  path: (string | number)[],
  context: ValidationContext,
): DefinitionProblem[] {
  if (problem.dataset !== 'idx' || typeof problem.folder !== 'string') return [];
  const why = idxFolderProblem(problem.folder);
  return why ? [context.problem([...path, 'folder'], why)] : [];
}

/**
 * A learned optimizer given by file is read now: a missing or foreign file is refused before any
 * run (an artifact id is resolved when the run starts). `at` is where the optimizer sits.
 */
export function checkLearnedOptimizerFile(
  spec: { name: string; artifact?: number | string },
  at: (string | number)[],
  context: ValidationContext,
): DefinitionProblem[] {
  if (spec.name !== 'learned' || typeof spec.artifact !== 'string') return [];
  try {
    loadLearnedOptimizer(spec.artifact);
    return [];
  } catch (error) {
    return [context.problem([...at, 'artifact'], (error as Error).message)];
  }
}

/**
 * Checks an optimizer list and its default learning-rate range beyond their schema; `path` is
 * where they sit in the file (`experiment` here, `experiment.baselines` in a meta-training).
 */
export function checkOptimizerSpecs(
  optimizers: readonly OptimizerSpec[],
  learningRates: LearningRateRange,
  path: (string | number)[],
  context: ValidationContext,
): DefinitionProblem[] {
  const problems = checkRange(learningRates, [...path, 'learningRates'], context);
  optimizers.forEach((spec, i) => {
    const at = [...path, 'optimizers', i];
    problems.push(...checkLearnedOptimizerFile(spec, at, context));
    if (spec.lr !== undefined && spec.learningRates !== undefined) {
      problems.push(
        context.problem(
          [...at, 'learningRates'],
          'give either lr (fixed) or learningRates (tuned), not both',
          'key',
        ),
      );
    } else if (spec.learningRates) {
      problems.push(...checkRange(spec.learningRates, [...at, 'learningRates'], context));
    }
  });
  return problems;
}

export function checkOptimizerComparison(
  config: OptimizerComparisonConfig,
  context: ValidationContext,
): DefinitionProblem[] {
  return [
    ...checkProblem(config, context),
    ...checkOptimizerSpecs(config.optimizers, config.learningRates, ['experiment'], context),
  ];
}

export const optimizerComparison: ExperimentKind<OptimizerComparisonConfig, OptimizerComparisonReport> = {
  name: optimizerComparisonKindName,
  description:
    'Handcrafted optimizers on one problem: learning rates tuned fairly over seeds, the chosen settings rerun on fresh seeds for the report.',
  schemaId: optimizerComparisonSchemaId,
  selection: optimizerComparisonSelection,
  parseConfig: parseOptimizerComparisonConfig,
  check: checkOptimizerComparison,
  plan: planOptimizerComparison,
  summarise: summariseOptimizerComparison,
  parseReport: parseOptimizerComparisonReport,
  present: presentOptimizerComparison,
};
