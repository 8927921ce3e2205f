// The loss an arm's students minimise, written out with its resolved numbers: stored in every
// student's run config and shown in the report, so what was optimised is never a guess.
import type { ArmSpec } from './config.ts';

export interface LossTerms {
  /** Over examples (images) or target words (translation). */
  unit: 'example' | 'target word';
  /** What the hard term's labels are: the references, or the teacher's translations. */
  labels: string;
}

/** 0.9, 0.1, 400: as written, without trailing zeros or binary noise (1 − 0.9 = 0.09999…). */
function weight(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** E.g. `L = 0.9 · T² · KL(p_T ‖ q_T) + 0.1 · CE(y, q_1), with T = 20 (T² = 400), mean over examples`. */
export function lossFormula(arm: ArmSpec, terms: LossTerms, beamSize?: number): string {
  const labels =
    arm.sequenceTargets === 'beam'
      ? `ŷ = the mentor's beam-${beamSize ?? '?'} translation`
      : arm.sequenceTargets === 'closest-beam'
        ? `ŷ = the hypothesis of the mentor's beam-${beamSize ?? '?'} closest to the reference (sentence BLEU)`
        : `y = ${terms.labels}`;
  const y = arm.sequenceTargets ? 'ŷ' : 'y';
  const d = arm.distillation;
  const reduction = `${d?.reduction ?? 'mean'} over ${terms.unit}s`;
  const hard = `CE(${y}, softmax(z_s))`;
  if (!d || d.alpha === 0) return `L = ${hard}; ${labels}; ${reduction}`;
  const T = d.temperature;
  const divergence =
    d.softLoss === 'kl' ? 'KL(softmax(z_m/T) ‖ softmax(z_s/T))' : 'CE(softmax(z_m/T), softmax(z_s/T))';
  const scale = d.squaredTemperature ? ' · T²' : '';
  const soft = `${weight(d.alpha)}${scale} · ${divergence}`;
  const hardPart = d.alpha === 1 ? '' : ` + ${weight(1 - d.alpha)} · ${hard}`;
  const temperature = d.squaredTemperature ? `T = ${weight(T)} (T² = ${weight(T * T)})` : `T = ${weight(T)}`;
  return `L = ${soft}${hardPart}; ${temperature}; z_m: the mentor's logits, z_s: the student's; ${labels}; ${reduction}`;
}
