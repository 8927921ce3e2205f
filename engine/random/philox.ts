// Philox4x32-10: the seeded, counter-based generator behind every random number in the lab
// (datasets, initialisers, the engine's random ops). Counter-based means element i of a draw is a
// pure function of (seed, stream, i): draws are reproducible, order-independent and trivially
// parallel, so the native C and CUDA kernels implement this same spec bit for bit.
//
// SPEC (normative; the native kernels follow it exactly)
//
// Block function (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC'11;
// Random123's philox4x32_R with R = 10). All arithmetic is on unsigned 32-bit words.
//   M0 = 0xD2511F53, M1 = 0xCD9E8D57            (round multipliers)
//   W0 = 0x9E3779B9, W1 = 0xBB67AE85            (Weyl key increments)
//   round(c, k):  (hi0, lo0) = 64-bit product M0 * c0;  (hi1, lo1) = M1 * c2
//                 c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
//   block(k, c):  10 rounds; after each of the first 9 rounds, k0 += W0, k1 += W1 (mod 2^32).
//
// Key and counter of a draw.
//   seed   an integer in [0, 2^53);       key     = (seed mod 2^32, floor(seed / 2^32))
//   stream an integer in [0, 2^32);       element index i an integer in [0, 2^53)
//   counter(i) = (i mod 2^32, floor(i / 2^32), stream, 0)
//   (x0, x1, x2, x3) = block(key, counter(i)) gives element i; one block per element, always,
//   whatever the distribution (unused words are discarded), so element i never depends on n.
//   A draw that starts at `start` (the stateful Rng's position) uses i = start + j for element j.
//
// Distributions, element j with words (x0, x1, x2, x3) of block i = start + j:
//   uniform float32  u = (x0 >>> 8) * 2^-24                                    in [0, 1)
//   uniform float64  u = ((x0 >>> 5) * 2^26 + (x1 >>> 6)) * 2^-53             in [0, 1)
//   normal  float32  u1 = ((x0 >>> 8) + 1) * 2^-24                             in (0, 1]
//                    u2 = (x1 >>> 8) * 2^-24                                   in [0, 1)
//   normal  float64  u1 = ((x0 >>> 5) * 2^26 + (x1 >>> 6) + 1) * 2^-53        in (0, 1]
//                    u2 = ((x2 >>> 5) * 2^26 + (x3 >>> 6)) * 2^-53             in [0, 1)
//                    z = sqrt(-2 ln u1) * cos(2 pi u2), evaluated in float64 (the cosine branch of
//                    Box-Muller only; the sine branch is discarded), then rounded to the dtype.
//                    u1 > 0 keeps ln finite (so |z| <= sqrt(2 ln 2^24) ~ 5.77 in float32 and
//                    ~ 8.57 in float64). Only this draw goes through libm: log/cos/sqrt
//                    differ between libms by at most an ulp, so normal is reproducible to the
//                    last float64 bit only within one math library; every other draw is exact.
//   bernoulli(p)     1 if x0 < p * 2^32 (compared exactly as real numbers), else 0.
//   randint[lo, hi)  r = hi - lo in [1, 2^32);  value = lo + floor(r * (x0 * 2^32 + x1) / 2^64),
//                    computed exactly as ((uint64)r*x0 + (((uint64)r*x1) >> 32)) >> 32
//                    (Lemire's multiply-shift on 64 bits: bias at most r / 2^64, no rejection loop,
//                    so the one-block-per-element rule holds).
//   permutation(n)   p = [0, 1, ..., n-1]; for m = n-1 down to 1: t = randint[0, m+1) drawn from
//                    block i = start + m; swap p[m] and p[t]  (Fisher-Yates; block start + 0 unused).
import { allocate, type DType, type HostArray } from '../core/dtype.ts';

export type PhiloxKey = readonly [number, number];
export type PhiloxCounter = readonly [number, number, number, number];
export type PhiloxBlock = [number, number, number, number];

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO32 = 4294967296;

/** High 32 bits of the 64-bit product of two uint32s: 16-bit limbs keep every partial product
 * below 2^32, so the doubles involved are exact. */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const cross = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (cross >>> 16)) >>> 0;
}

const words = new Uint32Array(4);

/** Writes block(key, counter) into `words` (allocation-free; the hot loops call this). */
function blockInto(k0: number, k1: number, c0: number, c1: number, c2: number, c3: number): void {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  words[0] = c0;
  words[1] = c1;
  words[2] = c2;
  words[3] = c3;
}

/** The Philox4x32-10 block function: four uint32 words from a 2-word key and a 4-word counter. */
export function philoxBlock(key: PhiloxKey, counter: PhiloxCounter): PhiloxBlock {
  for (const w of [...key, ...counter]) {
    if (!Number.isInteger(w) || w < 0 || w >= TWO32) {
      throw new Error(`philoxBlock: key and counter words must be integers in [0, 2^32), got ${w}`);
    }
  }
  blockInto(key[0], key[1], counter[0], counter[1], counter[2], counter[3]);
  return [words[0], words[1], words[2], words[3]];
}

/** Where a draw's blocks come from: the seed, the stream and the first element index. */
export interface DrawSource {
  seed: number;
  stream?: number;
  start?: number;
}

function checkSource(where: string, src: DrawSource, n: number): void {
  const { seed, stream = 0, start = 0 } = src;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`${where}: seed must be an integer in [0, 2^53), got ${seed}`);
  }
  if (!Number.isInteger(stream) || stream < 0 || stream >= TWO32) {
    throw new Error(`${where}: stream must be an integer in [0, 2^32), got ${stream}`);
  }
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${where}: count must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(start + n)) {
    throw new Error(`${where}: element indices ${start}..${start + n} must stay in [0, 2^53)`);
  }
}

/** Calls visit(j) after putting the words of block start + j into `words`, for j < n. */
function eachBlock(src: DrawSource, n: number, visit: (j: number) => void): void {
  const k0 = src.seed >>> 0;
  const k1 = Math.floor(src.seed / TWO32) >>> 0;
  const stream = src.stream ?? 0;
  const start = src.start ?? 0;
  for (let j = 0; j < n; j++) {
    const i = start + j;
    blockInto(k0, k1, i >>> 0, Math.floor(i / TWO32) >>> 0, stream, 0);
    visit(j);
  }
}

export type FloatDType = 'float32' | 'float64';

function checkFloat(where: string, dtype: DType): asserts dtype is FloatDType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new Error(`${where}: dtype must be float32 or float64, got ${dtype}`);
  }
}

/** n uniform numbers in [0, 1). */
export function uniform(
  src: DrawSource,
  n: number,
  dtype: FloatDType = 'float32',
): Float32Array | Float64Array {
  checkSource('uniform', src, n);
  checkFloat('uniform', dtype);
  if (dtype === 'float32') {
    const out = new Float32Array(n);
    eachBlock(src, n, (j) => (out[j] = (words[0] >>> 8) * 2 ** -24));
    return out;
  }
  const out = new Float64Array(n);
  eachBlock(src, n, (j) => (out[j] = ((words[0] >>> 5) * 2 ** 26 + (words[1] >>> 6)) * 2 ** -53));
  return out;
}

/** n standard normal numbers (Box-Muller, cosine branch). */
export function normal(
  src: DrawSource,
  n: number,
  dtype: FloatDType = 'float32',
): Float32Array | Float64Array {
  checkSource('normal', src, n);
  checkFloat('normal', dtype);
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const boxMuller = (u1: number, u2: number): number =>
    Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  if (dtype === 'float32') {
    eachBlock(src, n, (j) => {
      out[j] = boxMuller(((words[0] >>> 8) + 1) * 2 ** -24, (words[1] >>> 8) * 2 ** -24);
    });
  } else {
    eachBlock(src, n, (j) => {
      const u1 = ((words[0] >>> 5) * 2 ** 26 + (words[1] >>> 6) + 1) * 2 ** -53;
      const u2 = ((words[2] >>> 5) * 2 ** 26 + (words[3] >>> 6)) * 2 ** -53;
      out[j] = boxMuller(u1, u2);
    });
  }
  return out;
}

/** n draws that are 1 with probability p and 0 otherwise (bool by default; any dtype holds 0/1). */
export function bernoulli(src: DrawSource, n: number, p: number, dtype: DType = 'bool'): HostArray {
  checkSource('bernoulli', src, n);
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: probability p must be in [0, 1], got ${p}`);
  const out = allocate(dtype, n);
  const threshold = p * TWO32; // exact: p is a double, 2^32 a power of two
  eachBlock(src, n, (j) => (out[j] = words[0] < threshold ? 1 : 0));
  return out;
}

/** floor(r * (hi * 2^32 + lo) / 2^64) for r in [1, 2^32), exactly (see SPEC: randint). */
function boundedInt(r: number, hi: number, lo: number): number {
  const hi0 = mulhi32(r, hi);
  const lo0 = Math.imul(r, hi) >>> 0;
  const carry = lo0 + mulhi32(r, lo) >= TWO32 ? 1 : 0;
  return hi0 + carry;
}

/** n integers uniform in [low, high) as int32. */
export function randint(src: DrawSource, n: number, low: number, high: number): Int32Array {
  checkSource('randint', src, n);
  const int32 = (v: number): boolean => Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31;
  if (!int32(low) || !int32(high) || high <= low || high - low >= TWO32) {
    throw new Error(
      `randint: need integers -2^31 <= low < high <= 2^31 with high - low < 2^32, got low=${low}, high=${high}`,
    );
  }
  const r = high - low;
  const out = new Int32Array(n);
  eachBlock(src, n, (j) => (out[j] = low + boundedInt(r, words[0], words[1])));
  return out;
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(src: DrawSource, n: number): Int32Array {
  checkSource('permutation', src, n);
  if (n > 2 ** 31) throw new Error(`permutation: n must be at most 2^31, got ${n}`);
  const swapWith = new Int32Array(n);
  eachBlock(src, n, (m) => (swapWith[m] = m === 0 ? 0 : boundedInt(m + 1, words[0], words[1])));
  const p = new Int32Array(n);
  for (let m = 0; m < n; m++) p[m] = m;
  for (let m = n - 1; m >= 1; m--) {
    const t = swapWith[m];
    const v = p[m];
    p[m] = p[t];
    p[t] = v;
  }
  return p;
}
