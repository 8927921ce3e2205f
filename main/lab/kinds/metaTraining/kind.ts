// The meta-training experiment kind: learned optimizers meta-trained over seeds, compared on
// fresh test problems with handcrafted optimizers whose learning rates were tuned on the same
// problem distribution.
import type { DefinitionProblem } from '../../definitions/definitionError.ts';
import type { ValidationContext } from '../../definitions/validationContext.ts';
import type { ExperimentKind } from '../experimentKind.ts';
import { checkOptimizerSpecs } from '../optimizerComparison/kind.ts';
import {
  metaTrainingSchemaId,
  metaTrainingSelection,
  parseMetaTrainingConfig,
  settingProblem,
  type MetaTrainingConfig,
} from './config.ts';
import { planMetaTraining } from './plan.ts';
import { presentMetaTraining } from './present.ts';
import { parseMetaTrainingReport, summariseMetaTraining, type MetaTrainingReport } from './report.ts';
import { metaTrainingKindName } from './runConfig.ts';

export function checkMetaTraining(
  config: MetaTrainingConfig,
  context: ValidationContext,
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const { unroll, horizon, method, secondOrder } = config.metaTraining;
  const path = ['experiment', 'metaTraining'];
  if (horizon % unroll !== 0) {
    problems.push(
      context.problem(
        [...path, 'horizon'],
        `horizon ${horizon} must be a multiple of unroll ${unroll} (every unroll fits in one problem)`,
      ),
    );
  }
  if (secondOrder && method !== 'bptt') {
    problems.push(
      context.problem(
        [...path, 'secondOrder'],
        `secondOrder applies to method bptt only (this is ${method})`,
      ),
    );
  }
  problems.push(
    ...context.validate(`problems/${config.problem.name}.schema.json`, config.problem, [
      'experiment',
      'problem',
    ]),
  );
  config.evaluation.settings.forEach((setting, i) => {
    // A setting without overrides tests on the training problem, checked above.
    if (Object.keys(setting.problem).length === 0) return;
    const at = ['experiment', 'evaluation', 'settings', i, 'problem'];
    problems.push(
      ...context.validate(`problems/${config.problem.name}.schema.json`, settingProblem(config, setting), at),
    );
  });
  // The baselines are an optimizer comparison's optimizers: its own checks (learning-rate ranges, …).
  const { optimizers, learningRates } = config.baselines;
  problems.push(...checkOptimizerSpecs(optimizers, learningRates, ['experiment', 'baselines'], context));
  return problems;
}

export const metaTraining: ExperimentKind<MetaTrainingConfig, MetaTrainingReport> = {
  name: metaTrainingKindName,
  description:
    'Meta-trains a learned optimizer (L2L LSTM or per-parameter MLP) over seeds and compares it on fresh test problems with tuned handcrafted optimizers.',
  schemaId: metaTrainingSchemaId,
  selection: metaTrainingSelection,
  parseConfig: parseMetaTrainingConfig,
  check: checkMetaTraining,
  plan: planMetaTraining,
  summarise: summariseMetaTraining,
  parseReport: parseMetaTrainingReport,
  present: presentMetaTraining,
};
