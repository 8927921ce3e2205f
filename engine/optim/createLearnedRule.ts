// Builds a learned update rule from its config: the one place that knows every kind of rule.
import type { FloatDType } from '../nn/init.ts';
import type { Rng } from '../random/rng.ts';
import type { LearnedRule, LearnedRuleConfig } from './learnedRule.ts';
import { LSTMRule } from './lstmRule.ts';
import { MLPRule } from './mlpRule.ts';

export function createLearnedRule(
  config: LearnedRuleConfig,
  rng: Rng,
  dtype: FloatDType = 'float32',
): LearnedRule {
  switch (config.kind) {
    case 'lstm':
      return new LSTMRule(config, rng, dtype);
    case 'mlp':
      return new MLPRule(config, rng, dtype);
  }
  throw new Error(
    `createLearnedRule: unknown learned optimizer kind "${String((config as { kind: unknown }).kind)}"; expected lstm or mlp`,
  );
}
