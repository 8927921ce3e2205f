// Seeds for the runs of an experiment, derived from its base seed so that the whole experiment
// is reproducible from one number, and tuning and report seeds never coincide.

/** 32-bit integer hash (a MurmurHash3-style finaliser over the combined inputs). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The seed of the `index`-th run of a stream (e.g. 'tuning', 'report') of an experiment. */
export function deriveSeed(baseSeed: number, stream: string, index: number): number {
  let h = mix(baseSeed >>> 0) ^ mix(index + 0x9e3779b9);
  for (let i = 0; i < stream.length; i++) h = mix(h ^ (stream.charCodeAt(i) + i * 0x1000193));
  // Keep seeds in the safe positive range every RNG accepts.
  return h & 0x7fffffff;
}
