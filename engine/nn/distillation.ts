// Knowledge-distillation losses (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a
// Neural Network"): a student matches a mentor's softened class distribution p = softmax(z_m / T)
// with its own q = softmax(z_s / T), mixed with ordinary cross-entropy on the hard labels:
//
//   L = α · [T²] · D(p ‖ q) + (1 − α) · CE(y, softmax(z_s))
//
// The T² factor keeps the soft term's gradient on the scale of the hard term's as T changes (its
// gradient shrinks as 1/T²); D is either the KL divergence Σ p (log p − log q) or the
// cross-entropy −Σ p log q. They differ by the mentor's entropy, a constant for the student, so
// the gradients agree and only the reported value differs (KL is 0 when the student matches).
// The mentor is frozen: its logits pass through stopGradient, so the same graph serves a mentor
// forward pass compiled into the student's step and mentor logits fed in from a cache.
import type { Variable } from '../core/graph.ts';
import { stopGradient } from '../ops/control.ts';
import { add, div, exp, mul, neg, sub } from '../ops/math.ts';
import { logSoftmax } from '../ops/nnet.ts';
import { mean, sum } from '../ops/reduce.ts';
import { crossEntropy, type Reduction } from './losses.ts';

export type SoftTargetDivergence = 'kl' | 'cross-entropy';

export interface SoftTargetOptions {
  /** T > 0: the softmax temperature of both mentor and student in the soft term. */
  temperature: number;
  /** 'kl' (default) or 'cross-entropy'; same gradient, different value. */
  divergence?: SoftTargetDivergence;
  /** Over examples (rows): 'mean' (default; PyTorch's kl_div 'batchmean'), 'sum' or 'none'. */
  reduction?: Reduction;
}

export interface DistillationLossOptions extends SoftTargetOptions {
  /** Weight α ∈ [0, 1] of the soft term; 1 − α weighs cross-entropy on the hard labels. */
  alpha: number;
  /** Multiply the soft term by T² (Hinton et al.'s advice; default true). */
  squaredTemperature?: boolean;
}

export interface DistillationLoss {
  /** α · [T²] · soft + (1 − α) · hard: what the student minimises. */
  loss: Variable;
  /** The soft term D(p ‖ q) before weighting (what the report's decomposition shows). */
  soft: Variable;
  /** Cross-entropy on the hard labels at T = 1 before weighting. */
  hard: Variable;
}

function checkTemperature(where: string, temperature: number): void {
  if (!(Number.isFinite(temperature) && temperature > 0)) {
    throw new Error(`${where}: temperature must be a finite number > 0, got ${temperature}`);
  }
}

function reduceRows(loss: Variable, reduction: Reduction, where: string): Variable {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  if (reduction === 'mean') return mean(loss);
  throw new Error(`${where}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
}

function checkLogits(where: string, student: Variable, mentor: Variable): void {
  const [s, m] = [student.staticShape, mentor.staticShape];
  if (student.ndim !== 2 || mentor.ndim !== 2) {
    throw new Error(
      `${where}: student and mentor logits must be [examples, classes] matrices, got ` +
        `${student.type.toString()} and ${mentor.type.toString()}`,
    );
  }
  if (s[1] !== null && m[1] !== null && s[1] !== m[1]) {
    throw new Error(
      `${where}: the student has ${s[1]} output classes but the mentor has ${m[1]}; ` +
        'a student can only match a mentor with the same classes',
    );
  }
}

/**
 * The soft-target term per example (or reduced): D(softmax(z_m / T) ‖ softmax(z_s / T)) with the
 * mentor's logits held constant.
 */
export function softTargetLoss(
  studentLogits: Variable,
  mentorLogits: Variable,
  options: SoftTargetOptions,
): Variable {
  const where = 'softTargetLoss';
  const { temperature, divergence = 'kl', reduction = 'mean' } = options;
  checkTemperature(where, temperature);
  checkLogits(where, studentLogits, mentorLogits);
  const logP = logSoftmax(div(stopGradient(mentorLogits), temperature));
  const logQ = logSoftmax(div(studentLogits, temperature));
  const p = exp(logP);
  let perRow: Variable;
  if (divergence === 'kl') perRow = sum(mul(p, sub(logP, logQ)), -1);
  else if (divergence === 'cross-entropy') perRow = neg(sum(mul(p, logQ), -1));
  else throw new Error(`${where}: divergence must be 'kl' or 'cross-entropy', got '${String(divergence)}'`);
  return reduceRows(perRow, reduction, where);
}

/** Hinton et al.'s loss with each term kept apart for reporting. `labels`: int32 classes. */
export function distillationLoss(
  studentLogits: Variable,
  mentorLogits: Variable,
  labels: Variable,
  options: DistillationLossOptions,
): DistillationLoss {
  const { alpha, squaredTemperature = true, reduction = 'mean' } = options;
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new Error(`distillationLoss: alpha (the soft term's weight) must be in [0, 1], got ${alpha}`);
  }
  if (reduction === 'none') {
    throw new Error("distillationLoss: reduction must be 'mean' or 'sum' (the loss is one number)");
  }
  const soft = softTargetLoss(studentLogits, mentorLogits, options);
  const hard = crossEntropy(studentLogits, labels, reduction);
  const softWeight = alpha * (squaredTemperature ? options.temperature ** 2 : 1);
  const loss = add(mul(soft, softWeight), mul(hard, 1 - alpha));
  return { loss, soft, hard };
}
