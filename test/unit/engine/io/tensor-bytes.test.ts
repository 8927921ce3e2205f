import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { readAt, tensorBytes, tensorFromBytes, writeAtomically } from '../../../../engine/io/tensor-bytes.ts';

const scratch = mkdtempSync(join(tmpdir(), 'curriculum-lab-bytes-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tensor bytes', () => {
  it('gives row-major little-endian bytes, copying only non-contiguous views', () => {
    const a = NDArray.of([1, 2, 3, 4], 'int32');
    expect(tensorBytes(a).buffer).toBe(a.data.buffer);
    expect(Array.from(tensorBytes(a).subarray(0, 8))).toEqual([1, 0, 0, 0, 2, 0, 0, 0]);
    const t = new NDArray(NDArray.of([1, 2, 3, 4], 'int32').data, [2, 2], [1, 2]); // transpose
    expect(Array.from(new Int32Array(tensorBytes(t).slice().buffer))).toEqual([1, 3, 2, 4]);
  });

  it('copies borrowed, small or misaligned bytes and uses large owned aligned bytes in place', () => {
    const small = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const borrowed = tensorFromBytes(small, 'float32', [2]);
    small.fill(0);
    expect(borrowed.toFlat()).toEqual([1.5, -2]);
    const misaligned = new Uint8Array(9);
    misaligned.set(new Uint8Array(new Float64Array([Math.PI]).buffer), 1);
    expect(tensorFromBytes(misaligned.subarray(1), 'float64', [], true).toFlat()).toEqual([Math.PI]);
    const large = new Uint8Array(1 << 17);
    expect(tensorFromBytes(large, 'float32', [1 << 15], true).data.buffer).toBe(large.buffer);
    expect(tensorFromBytes(large, 'float32', [1 << 15], false).data.buffer).not.toBe(large.buffer);
  });

  it('reports truncation with the byte range needed and where the file ends', async () => {
    const path = join(scratch, 'short.bin');
    writeFileSync(path, new Uint8Array(10));
    const handle = await open(path, 'r');
    try {
      expect((await readAt(handle, 2, 8, path, 'x')).length).toBe(8);
      await expect(readAt(handle, 4, 10, path, 'tensor "w"')).rejects.toThrow(
        /short\.bin: file truncated: tensor "w" needs bytes 4\.\.14, the file ends at 10/,
      );
    } finally {
      await handle.close();
    }
  });

  it('replaces a file only when writing it succeeded', async () => {
    const path = join(scratch, 'model.bin');
    writeFileSync(path, 'old');
    await expect(
      writeAtomically(path, async (handle) => {
        await handle.write('half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow(/disk full/);
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(scratch).filter((f) => f.includes('partial'))).toEqual([]);
    await writeAtomically(path, async (handle) => void (await handle.write('new')));
    expect(readFileSync(path, 'utf8')).toBe('new');
  });
});
