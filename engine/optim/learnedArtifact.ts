// A trained learned optimizer as a file: safetensors holding the rule's weights by their module
// names, with its config (and what produced it) in the file's metadata, so the file alone is
// enough to use it: `createOptimizer('learned', { artifact: path })`. Reading checks everything
// before anything is used — the format marker, the config, every tensor's presence and shape —
// and says which file, which tensor, what it holds and what was expected.
import { existsSync, readFileSync } from 'node:fs';
import { formatShape } from '../core/ndarray.ts';
import type { NDArray } from '../core/ndarray.ts';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.ts';
import type { FloatDType } from '../nn/init.ts';
import type { GradientPreprocessing } from '../nn/gradientPreprocessing.ts';
import { Rng } from '../random/rng.ts';
import { createLearnedRule } from './createLearnedRule.ts';
import { describeLearnedRule, type LearnedRule, type LearnedRuleConfig } from './learnedRule.ts';

export const learnedOptimizerFormat = 'curriculum-lab/learned-optimizer';
export const learnedOptimizerFormatVersion = '1';

/**
 * The rule's weights (or `weights`, by parameter name: a snapshot such as the best-validated
 * ones) and config as safetensors bytes; `provenance` lands in the metadata too.
 */
export function encodeLearnedOptimizer(
  rule: LearnedRule,
  provenance: Record<string, unknown> = {},
  weights: Readonly<Record<string, NDArray>> = rule.module.stateDict(),
): Uint8Array {
  return encodeSafetensors(weights, {
    format: learnedOptimizerFormat,
    version: learnedOptimizerFormatVersion,
    config: JSON.stringify(rule.config),
    provenance: JSON.stringify(provenance),
  });
}

function fail(where: string, what: string): never {
  throw new Error(`learned optimizer ${where}: ${what}`);
}

function positiveInteger(where: string, key: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    fail(where, `config.${key} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function finiteNumber(where: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    fail(where, `config.${key} must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

function numberList(where: string, key: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0)
    fail(where, `config.${key} must be a non-empty list of numbers, got ${JSON.stringify(value)}`);
  return value.map((v, i) => finiteNumber(where, `${key}[${i}]`, v));
}

function parsePreprocessing(where: string, value: unknown): GradientPreprocessing {
  const v = (value ?? {}) as Record<string, unknown>;
  if (v.kind === 'none') return { kind: 'none' };
  if (v.kind === 'log-sign') return { kind: 'log-sign', p: finiteNumber(where, 'preprocessing.p', v.p) };
  if (v.kind === 'log-sign-clamped')
    return { kind: 'log-sign-clamped', k: finiteNumber(where, 'preprocessing.k', v.k) };
  return fail(
    where,
    `config.preprocessing.kind must be log-sign, log-sign-clamped or none, got ${JSON.stringify(v.kind)}`,
  );
}

/** A stored config (parsed JSON) as a LearnedRuleConfig; `where` names the file in errors. */
export function parseLearnedRuleConfig(value: unknown, where: string): LearnedRuleConfig {
  const v = (value ?? {}) as Record<string, unknown>;
  if (v.kind === 'lstm') {
    return {
      kind: 'lstm',
      hidden: positiveInteger(where, 'hidden', v.hidden),
      layers: positiveInteger(where, 'layers', v.layers),
      preprocessing: parsePreprocessing(where, v.preprocessing),
      outputScale: finiteNumber(where, 'outputScale', v.outputScale),
    };
  }
  if (v.kind === 'mlp') {
    return {
      kind: 'mlp',
      hidden: positiveInteger(where, 'hidden', v.hidden),
      hiddenLayers: positiveInteger(where, 'hiddenLayers', v.hiddenLayers, 0),
      decays: numberList(where, 'decays', v.decays),
      timescales: numberList(where, 'timescales', v.timescales),
      stepMultiplier: finiteNumber(where, 'stepMultiplier', v.stepMultiplier),
      expMultiplier: finiteNumber(where, 'expMultiplier', v.expMultiplier),
    };
  }
  return fail(where, `config.kind must be lstm or mlp, got ${JSON.stringify(v.kind)}`);
}

export interface LoadedLearnedOptimizer {
  rule: LearnedRule;
  /** What the producer recorded (experiment, run, meta-step, validation loss). */
  provenance: Record<string, unknown>;
}

/** A learned optimizer from safetensors bytes; `where` (the file) goes into every error. */
export function decodeLearnedOptimizer(
  bytes: Uint8Array,
  where: string,
  dtype: FloatDType = 'float32',
): LoadedLearnedOptimizer {
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes, where);
  } catch (error) {
    return fail(where, `is not a readable safetensors file (${(error as Error).message})`);
  }
  const { tensors, metadata } = decoded;
  if (metadata.format !== learnedOptimizerFormat) {
    fail(
      where,
      `metadata.format is ${JSON.stringify(metadata.format ?? null)}, expected "${learnedOptimizerFormat}": ` +
        'this file was not written as a learned optimizer (use the optimizer artifact of a meta-training run)',
    );
  }
  let configJson: unknown;
  try {
    configJson = JSON.parse(metadata.config ?? 'null');
  } catch {
    fail(where, `metadata.config is not JSON: ${metadata.config}`);
  }
  const config = parseLearnedRuleConfig(configJson, where);
  const rule = createLearnedRule(config, new Rng(0), dtype);
  const expected = new Map(rule.module.namedParameters().map(([name, p]) => [name, p.get()]));
  const described = describeLearnedRule(config);
  const missing = [...expected.keys()].filter((name) => !(name in tensors));
  if (missing.length > 0) fail(where, `has no tensor ${missing.join(', ')} (its config says: ${described})`);
  const extra = Object.keys(tensors).filter((name) => !expected.has(name));
  if (extra.length > 0)
    fail(where, `holds tensors ${extra.join(', ')} that its config (${described}) does not have`);
  const values: Record<string, NDArray> = {};
  for (const [name, like] of expected) {
    const stored = tensors[name];
    const same =
      stored.shape.length === like.shape.length && stored.shape.every((d, i) => d === like.shape[i]);
    if (!same) {
      fail(
        where,
        `tensor ${name} has shape ${formatShape(stored.shape)}, expected ${formatShape(like.shape)} (its config says: ${described})`,
      );
    }
    if (stored.dtype !== 'float32' && stored.dtype !== 'float64')
      fail(where, `tensor ${name} is ${stored.dtype}, expected float32 or float64`);
    values[name] = stored.dtype === dtype ? stored : stored.astype(dtype);
  }
  rule.module.loadStateDict(values);
  let provenance: Record<string, unknown>;
  try {
    provenance = JSON.parse(metadata.provenance ?? '{}') as Record<string, unknown>;
  } catch {
    // Provenance is information for people; a file without readable provenance still works.
    provenance = {};
  }
  return { rule, provenance };
}

/** Reads a learned optimizer file; a missing file is an error naming it and what it should be. */
export function loadLearnedOptimizer(path: string, dtype: FloatDType = 'float32'): LoadedLearnedOptimizer {
  if (!existsSync(path)) {
    throw new Error(
      `learned optimizer ${path}: no such file; expected a safetensors file written by a meta-training run ` +
        '(its "optimizer" artifact: `lab inspect <run>` lists where it is)',
    );
  }
  return decodeLearnedOptimizer(new Uint8Array(readFileSync(path)), path, dtype);
}
