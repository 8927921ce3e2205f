import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { decodeNpy, encodeNpy } from '../../../../engine/io/npy.ts';
import { listNpz, loadNpz, loadNpzTensor, saveNpz } from '../../../../engine/io/npz.ts';

const scratch = mkdtempSync(join(tmpdir(), 'curriculum-lab-npz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A .npy file assembled by hand: magic, version 1.0, header dict, raw bytes. */
function handNpy(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const header = dict.padEnd(Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) new DataView(out.buffer).setUint16(8, header.length, true);
  else new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(data, prefix + header.length);
  return out;
}

function bytesOf(
  width: number,
  values: number[],
  set: (v: DataView, at: number, x: number) => void,
): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * width, x));
  return out;
}

const sample = (): Record<string, NDArray> => ({
  W: NDArray.of(
    [
      [1.5, -2, 3],
      [0.1, 1e30, -0],
    ],
    'float32',
  ),
  'layer/b': NDArray.of([Math.PI, -Math.E, 1e-300], 'float64'),
  labels: NDArray.of([0, -1, 2147483647, -2147483648], 'int32'),
  mask: NDArray.of([[true], [false]], 'bool'),
  scalar: NDArray.scalar(4.5, 'float64'),
  empty: NDArray.zeros([0], 'int32'),
});

describe('.npy encoding', () => {
  it('writes the NumPy header layout: magic, v1.0, 64-byte aligned dict', () => {
    const bytes = encodeNpy(NDArray.of([[1, 2, 3]], 'int32'));
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const length = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + length) % 64).toBe(0);
    const dict = new TextDecoder().decode(bytes.subarray(10, 10 + length));
    expect(dict).toMatch(/^\{'descr': '<i4', 'fortran_order': False, 'shape': \(1, 3\), \} *\n$/);
    expect(new Int32Array(bytes.slice(10 + length).buffer)).toEqual(new Int32Array([1, 2, 3]));
    expect(new TextDecoder().decode(encodeNpy(NDArray.of([1], 'bool')).subarray(10, 128))).toContain(
      "'shape': (1,)",
    );
    expect(new TextDecoder().decode(encodeNpy(NDArray.scalar(1, 'float64')).subarray(10, 128))).toContain(
      "'shape': ()",
    );
  });

  it('reads hand-made files: v2.0, big-endian, Fortran order, narrower and wider integers', () => {
    const be = bytesOf(4, [1.5, -2], (v, at, x) => v.setFloat32(at, x, false));
    expect(
      decodeNpy(handNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be, 2)).toFlat(),
    ).toEqual([1.5, -2]);
    // Fortran order: memory holds columns, so [1, 2, 3, 4, 5, 6] is [[1, 3, 5], [2, 4, 6]].
    const f = bytesOf(8, [1, 2, 3, 4, 5, 6], (v, at, x) => v.setFloat64(at, x, true));
    const fortran = decodeNpy(handNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f));
    expect(fortran.toNested()).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    const i8 = bytesOf(8, [5, -7], (v, at, x) => v.setBigInt64(at, BigInt(x), true));
    const wide = decodeNpy(handNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8));
    expect(wide.dtype).toBe('int32');
    expect(wide.toFlat()).toEqual([5, -7]);
    const u1 = decodeNpy(
      handNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([0, 200, 255])),
    );
    expect(u1.toFlat()).toEqual([0, 200, 255]);
  });

  it('refuses what it cannot represent, and damaged files, saying why', () => {
    const big = bytesOf(8, [2 ** 40], (v, at, x) => v.setBigInt64(at, BigInt(x), true));
    expect(() =>
      decodeNpy(handNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", big), 'a.npy'),
    ).toThrow(/a\.npy: integer element 0 = 1099511627776 does not fit int32/);
    expect(() =>
      decodeNpy(
        handNpy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(16)),
        'a.npy',
      ),
    ).toThrow(/dtype '<c16' is not supported/);
    expect(() =>
      decodeNpy(
        handNpy("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)),
        'a.npy',
      ),
    ).toThrow(/structured arrays are not supported/);
    const good = encodeNpy(NDArray.of([1, 2, 3], 'float32'));
    expect(() => decodeNpy(good.subarray(0, good.length - 1), 'a.npy')).toThrow(
      /\.npy data truncated: shape \(3,\).*needs 12 bytes, 11 are present/,
    );
    expect(() => decodeNpy(new Uint8Array([...good, 0]), 'a.npy')).toThrow(/followed by extra bytes/);
    expect(() => decodeNpy(good.subarray(0, 40), 'a.npy')).toThrow(/truncated \.npy header/);
    expect(() => decodeNpy(new TextEncoder().encode('PK\x03\x04 not npy at all'), 'a.npy')).toThrow(
      /magic bytes/,
    );
    const v9 = good.slice();
    v9[6] = 9;
    expect(() => decodeNpy(v9, 'a.npy')).toThrow(/version 9\.0 is not supported/);
  });
});

describe('.npz files', () => {
  for (const compress of [false, true]) {
    it(`round-trip names, dtypes, shapes and values (${compress ? 'deflated' : 'stored'})`, async () => {
      const path = join(scratch, `rt-${compress}.npz`);
      await saveNpz(path, sample(), { compress });
      expect(await listNpz(path)).toEqual(Object.keys(sample()));
      const back = await loadNpz(path);
      for (const [name, array] of Object.entries(sample())) {
        expect(back[name].dtype, name).toBe(array.dtype);
        expect(back[name].shape, name).toEqual(array.shape);
        expect(back[name].toFlat(), name).toEqual(array.toFlat());
      }
      expect((await loadNpzTensor(path, 'layer/b')).toFlat()).toEqual([Math.PI, -Math.E, 1e-300]);
      // An independent zip reader (fflate) sees "<name>.npy" entries holding our .npy bytes.
      const entries = unzipSync(readFileSync(path));
      expect(Object.keys(entries)).toEqual(Object.keys(sample()).map((n) => `${n}.npy`));
      expect(decodeNpy(entries['W.npy']).toFlat()).toEqual(sample().W.toFlat());
    });
  }

  it('deflates compressible data and writes byte-identical files for equal tensors', async () => {
    const zeros = { z: NDArray.zeros([100_000], 'float64') };
    await saveNpz(join(scratch, 'a.npz'), zeros, { compress: true });
    await saveNpz(join(scratch, 'b.npz'), zeros, { compress: true });
    await saveNpz(join(scratch, 'c.npz'), zeros);
    const a = readFileSync(join(scratch, 'a.npz'));
    expect(a.length).toBeLessThan(5_000);
    expect(readFileSync(join(scratch, 'c.npz')).length).toBeGreaterThan(800_000);
    expect(a.equals(readFileSync(join(scratch, 'b.npz')))).toBe(true);
  });

  it('reads archives written by another zip writer, stored and deflated', async () => {
    const npy = encodeNpy(NDArray.of([1, 2, 3], 'float32'));
    for (const level of [0, 9] as const) {
      const path = join(scratch, `fflate-${level}.npz`);
      writeFileSync(
        path,
        zipSync({ 'x.npy': npy, 'notes.txt': new TextEncoder().encode('not an array') }, { level }),
      );
      expect(await listNpz(path)).toEqual(['x']);
      expect((await loadNpzTensor(path, 'x')).toFlat()).toEqual([1, 2, 3]);
    }
  });

  it('reads one array through the central directory even when another entry is corrupt', async () => {
    const path = join(scratch, 'partly-bad.npz');
    await saveNpz(path, { bad: NDArray.of([1, 2, 3, 4], 'float32'), good: NDArray.of([7], 'int32') });
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from(new Float32Array([3]).buffer));
    bytes[at] ^= 0xff;
    writeFileSync(path, bytes);
    expect((await loadNpzTensor(path, 'good')).toFlat()).toEqual([7]);
    await expect(loadNpz(path)).rejects.toThrow(/entry "bad\.npy": CRC-32 mismatch/);
  });

  it('corrupt or truncated archives give errors naming the file and the problem', async () => {
    const path = join(scratch, 'victim.npz');
    await saveNpz(path, sample(), { compress: true });
    const good = readFileSync(path);
    const broken = join(scratch, 'broken.npz');
    for (const cut of [0, 10, 100, Math.floor(good.length / 2), good.length - 30, good.length - 1]) {
      writeFileSync(broken, good.subarray(0, cut));
      await expect(loadNpz(broken), `cut at ${cut}`).rejects.toThrow(
        new RegExp(`${broken}: not a zip archive`),
      );
    }
    writeFileSync(broken, Buffer.from('this is plainly not a zip file, just some text'));
    await expect(listNpz(broken)).rejects.toThrow(/not a zip archive/);
    // Damage inside deflated data, and a central directory pointing past the end.
    const deflated = Buffer.from(good);
    deflated[60] ^= 0x55;
    deflated[61] ^= 0xaa;
    writeFileSync(broken, deflated);
    await expect(loadNpz(broken)).rejects.toThrow(
      /entry "W\.npy": (corrupt deflate data|CRC-32 mismatch|\d+ bytes after decompression)/,
    );
    const eocd = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const moved = Buffer.from(good);
    moved.writeUInt32LE(good.length + 100, eocd + 16);
    writeFileSync(broken, moved);
    await expect(loadNpz(broken)).rejects.toThrow(/central directory .* lies beyond the file end/);
    await expect(loadNpzTensor(path, 'missing')).rejects.toThrow(
      /no array "missing"; the archive holds W, layer\/b/,
    );
    // A zip whose entry is not valid .npy.
    writeFileSync(broken, zipSync({ 'x.npy': new TextEncoder().encode('garbage') }));
    await expect(loadNpz(broken)).rejects.toThrow(/broken\.npz: array "x": not a \.npy array/);
  });
});
