// The mentor-outputs cache: keyed by the mentor file's bytes and the data description, a damaged
// or mismatched file is recomputed (never used), and an unwritable folder only costs the
// recomputation.
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NDArray } from '../../../../../engine/core/ndarray.ts';
import {
  cachedMentorOutputs,
  mentorOutputsCacheFile,
} from '../../../../../main/lab/kinds/distillation/mentorOutputsCache.ts';

function mentorFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kd-cache-')), 'model.safetensors');
  writeFileSync(path, content);
  return path;
}

describe('mentor outputs cache', () => {
  const values = NDArray.from([1, 2, 3, 4, 5, 6], [3, 2], 'float32');

  it('computes once, then reads; another mentor file or data key is another entry', () => {
    const path = mentorFile('mentor A');
    let computed = 0;
    const compute = () => {
      computed++;
      return values;
    };
    expect(cachedMentorOutputs(path, { data: 1 }, 3, compute)).toMatchObject({ hit: false });
    const again = cachedMentorOutputs(path, { data: 1 }, 3, compute);
    expect(again.hit).toBe(true);
    expect(again.values.toFlat()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(computed).toBe(1);
    expect(cachedMentorOutputs(path, { data: 2 }, 3, compute).hit).toBe(false);
    writeFileSync(path, 'mentor B');
    expect(mentorOutputsCacheFile(path, { data: 1 })).not.toBe(again.file);
    expect(cachedMentorOutputs(path, { data: 1 }, 3, compute).hit).toBe(false);
    expect(computed).toBe(3);
  });

  it('recomputes over a damaged entry or one with other rows, and survives a folder it cannot write', () => {
    const path = mentorFile('mentor C');
    const first = cachedMentorOutputs(path, { data: 1 }, 3, () => values);
    writeFileSync(first.file!, 'not safetensors');
    expect(cachedMentorOutputs(path, { data: 1 }, 3, () => values).hit).toBe(false);
    expect(cachedMentorOutputs(path, { data: 1 }, 4, () => NDArray.zeros([4, 2])).hit).toBe(false);

    const readOnly = mentorFile('mentor D');
    const folder = join(readOnly, '..');
    chmodSync(folder, 0o555);
    try {
      const result = cachedMentorOutputs(readOnly, { data: 1 }, 3, () => values);
      // Root may write anyway; either way the values are the computed ones.
      expect(result.values.toFlat()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(result.hit).toBe(false);
    } finally {
      chmodSync(folder, 0o755);
    }
    expect(readdirSync(folder)).toContain('model.safetensors');
  });
});
