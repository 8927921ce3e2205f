// The GradKit the differentiation driver hands to every op's `grad` (core/gradKit.ts says why
// gradients receive their builders instead of importing them): the same functions users call
// as T.add, T.sum, T.zerosLike…, so a gradient graph is exactly what those calls would build.
// This module sits above every op family; nothing under engine/ops imports it.
import type { GradKit } from '../core/gradKit.ts';
import type { Variable } from '../core/graph.ts';
import {
  add,
  and,
  cast,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  lt,
  maximum,
  mul,
  neg,
  pow,
  second,
  sigmoid,
  sign,
  sqr,
  sub,
  where,
} from '../ops/math.ts';
import { softmax } from '../ops/nnet.ts';
import { sum } from '../ops/reduce.ts';
import { onesLike, shapeOf, zerosLike } from '../ops/shapeOps.ts';
import { sumToShape } from '../ops/sumToShape.ts';
import { take } from '../ops/take.ts';

export const gradBuilders: GradKit<Variable> = Object.freeze({
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  neg,
  sqr,
  exp,
  log,
  sigmoid,
  sign,
  lt,
  le,
  gt,
  ge,
  eq,
  and,
  where,
  cast,
  second,
  zerosLike,
  onesLike,
  shapeOf,
  sumToShape,
  sum,
  take,
  softmax,
});
