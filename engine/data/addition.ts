// n-digit addition strings ("123+45=168") for curricula: difficulty grows with the number of
// digits and with the number of carries, and both can be asked for exactly.
//
// Sampling: the digits of a and b are drawn position by position from the least significant
// one. At each position the pair (a_i, b_i) is uniform over the pairs allowed there: digits
// beyond an operand's length are 0, an operand's leading digit is 1..9 (unless it has a single
// digit), and when `carries` is given, the pair must produce a carry out of the position exactly
// when the position belongs to a carry set drawn uniformly beforehand. Without `carries`, a and b
// are uniform over all numbers with exactly that many digits.
//
// Character vocabulary (int32 ids): 0 = PAD, 1 = EOS, '0'..'9' = 2..11, '+' = 12, '=' = 13.
import { NDArray } from '../core/ndarray.ts';
import { Rng } from '../random/rng.ts';

export const additionAlphabet = [
  '<pad>',
  '<eos>',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '+',
  '=',
];
export const ADDITION_PAD = 0;
export const ADDITION_EOS = 1;

export interface AdditionProblem {
  a: number;
  b: number;
  sum: number;
  /** "a+b=sum" */
  text: string;
  /** Positions that carry into the next one. */
  carries: number;
}

export interface AdditionOptions {
  /** Digits of a and b (one number: both the same). Each at most 15, so sums stay exact. */
  digits: number | readonly [number, number];
  /** Exact number of carries, or undefined for no constraint. */
  carries?: number;
  seed: number;
  stream?: number;
}

/** Number of positions that carry when adding a and b in base 10. */
export function countCarries(a: number, b: number): number {
  let carry = 0;
  let count = 0;
  while (a > 0 || b > 0) {
    carry = (a % 10) + (b % 10) + carry >= 10 ? 1 : 0;
    count += carry;
    a = Math.floor(a / 10);
    b = Math.floor(b / 10);
  }
  return count;
}

function digitRange(position: number, length: number): [number, number] {
  if (position >= length) return [0, 0];
  return position === length - 1 && length > 1 ? [1, 9] : [0, 9];
}

/** Draws one problem; returns undefined when the drawn carry set cannot be realised. */
function drawProblem(
  rng: Rng,
  na: number,
  nb: number,
  carries: number | undefined,
): AdditionProblem | undefined {
  const positions = Math.max(na, nb);
  let carrySet: Set<number> | undefined;
  if (carries !== undefined) {
    carrySet = new Set(Array.from(rng.permutation(positions).subarray(0, carries)));
  }
  let a = 0;
  let b = 0;
  let carryIn = 0;
  for (let i = 0; i < positions; i++) {
    const [aLo, aHi] = digitRange(i, na);
    const [bLo, bHi] = digitRange(i, nb);
    const allowed: [number, number][] = [];
    for (let da = aLo; da <= aHi; da++) {
      for (let db = bLo; db <= bHi; db++) {
        const carries = da + db + carryIn >= 10;
        if (!carrySet || carries === carrySet.has(i)) allowed.push([da, db]);
      }
    }
    if (allowed.length === 0) return undefined;
    const [da, db] = allowed[rng.int(0, allowed.length)];
    a += da * 10 ** i;
    b += db * 10 ** i;
    carryIn = da + db + carryIn >= 10 ? 1 : 0;
  }
  const sum = a + b;
  return { a, b, sum, text: `${a}+${b}=${sum}`, carries: countCarries(a, b) };
}

export function generateAddition(count: number, options: AdditionOptions): AdditionProblem[] {
  const { digits, carries, seed, stream = 0 } = options;
  const [na, nb] = typeof digits === 'number' ? [digits, digits] : digits;
  for (const n of [na, nb]) {
    if (!Number.isInteger(n) || n < 1 || n > 15) {
      throw new Error(`generateAddition: digits must be integers in [1, 15], got ${String(digits)}`);
    }
  }
  if (carries !== undefined && (!Number.isInteger(carries) || carries < 0 || carries > Math.max(na, nb))) {
    throw new Error(
      `generateAddition: carries must be an integer in [0, ${Math.max(na, nb)}], got ${carries}`,
    );
  }
  const rng = new Rng(seed, stream);
  const problems: AdditionProblem[] = [];
  // A carry set is infeasible only in rare corners (e.g. a carry past the shorter operand that no
  // carry feeds); redrawing the set keeps the distribution uniform over feasible ones.
  let failures = 0;
  while (problems.length < count) {
    const problem = drawProblem(rng, na, nb, carries);
    if (problem) {
      problems.push(problem);
    } else if (++failures > 1000 + 10 * count) {
      throw new Error(`generateAddition: no ${na}+${nb}-digit additions have exactly ${carries} carries`);
    }
  }
  return problems;
}

export function encodeAdditionText(text: string): number[] {
  return Array.from(text, (ch) => {
    const id = additionAlphabet.indexOf(ch);
    if (id < 2) throw new Error(`encodeAdditionText: "${ch}" in "${text}" is not one of 0-9 + =`);
    return id;
  });
}

export function decodeAdditionIds(ids: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < ids.length && ids[i] !== ADDITION_EOS && ids[i] !== ADDITION_PAD; i++) {
    text += additionAlphabet[ids[i]] ?? '?';
  }
  return text;
}

/**
 * Problems as padded int32 rows: `tokens` (N, width) is "a+b=sum" then EOS then PAD, and
 * `promptLength` (N,) counts the ids of "a+b=" (what a model is given; the rest it predicts).
 */
export function encodeAddition(
  problems: readonly AdditionProblem[],
  width?: number,
): { tokens: NDArray; promptLength: NDArray } {
  const longest = problems.reduce((m, p) => Math.max(m, p.text.length + 1), 0);
  const w = width ?? longest;
  if (w < longest)
    throw new Error(
      `encodeAddition: width ${w} is shorter than the longest problem (${longest} ids with EOS)`,
    );
  const tokens = new Int32Array(problems.length * w);
  const promptLength = new Int32Array(problems.length);
  problems.forEach((p, n) => {
    const ids = encodeAdditionText(p.text);
    tokens.set(ids, n * w);
    tokens[n * w + ids.length] = ADDITION_EOS;
    promptLength[n] = p.text.indexOf('=') + 1;
  });
  return {
    tokens: new NDArray(tokens, [problems.length, w]),
    promptLength: new NDArray(promptLength, [problems.length]),
  };
}
