// A frozen mentor's outputs on a transfer set — its logits, or its beam translations of the
// training sentences — never change, so they are computed once and kept on disk beside the
// mentor's file (mentor-logits/<key>.safetensors), keyed by the SHA-256 of the
// mentor file's bytes and of a description of the data (task, split, transfer subset). Every
// student of every arm and seed that reads the same mentor on the same data then skips the
// mentor's forward passes. A cache that cannot be written (a read-only folder) or read (a
// damaged file) only costs the recomputation.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NDArray } from '../../../../engine/core/ndarray.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../../engine/io/safetensors.ts';

export interface CachedOutputs {
  /** One row per transfer-set row. */
  values: NDArray;
  /** Whether they came from the cache (false: computed now). */
  hit: boolean;
  /** The cache file (written, or read), or null where it could not be written. */
  file: string | null;
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The cache file for a mentor file and a data description. */
export function mentorOutputsCacheFile(mentorPath: string, dataKey: unknown): string {
  const key = sha256(`${sha256(readFileSync(mentorPath))}\n${JSON.stringify(dataKey)}`);
  return join(dirname(mentorPath), 'mentor-logits', `${key.slice(0, 32)}.safetensors`);
}

/** The mentor's outputs on the data `dataKey` describes: from the cache, or `compute()` and cached. */
export function cachedMentorOutputs(
  mentorPath: string,
  dataKey: unknown,
  rows: number,
  compute: () => NDArray,
): CachedOutputs {
  const file = mentorOutputsCacheFile(mentorPath, dataKey);
  const keyText = JSON.stringify(dataKey);
  try {
    const { tensors, metadata } = decodeSafetensors(readFileSync(file), file);
    const values = tensors.values;
    // The key is in the file too: a hash collision or a truncated write is a miss, not wrong data.
    if (values && metadata.data === keyText && values.shape[0] === rows) return { values, hit: true, file };
  } catch {
    // No cache yet, or a damaged one: compute.
  }
  const values = compute();
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, encodeSafetensors({ values }, { data: keyText }));
    renameSync(temporary, file);
    return { values, hit: false, file };
  } catch {
    return { values, hit: false, file: null };
  }
}
