import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  loadSafetensorsTensor,
  readSafetensorsIndex,
  saveSafetensors,
} from '../../../../engine/io/safetensors.ts';

const scratch = mkdtempSync(join(tmpdir(), 'curriculum-lab-safetensors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A file assembled by hand from the spec: u64 LE length, JSON, little-endian data. */
function handMade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function littleEndian(kind: 'f32' | 'f64' | 'i32', values: number[]): Uint8Array {
  const width = kind === 'f64' ? 8 : 4;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (kind === 'f32') view.setFloat32(i * width, v, true);
    else if (kind === 'f64') view.setFloat64(i * width, v, true);
    else view.setInt32(i * width, v, true);
  });
  return out;
}

const sample = (): Record<string, NDArray> => ({
  'mlp.0.W': NDArray.of(
    [
      [1.5, -2],
      [3.25, 1e-8],
      [0, -0],
    ],
    'float32',
  ),
  'mlp.0.b': NDArray.of([Math.PI, -Math.E], 'float64'),
  step: NDArray.scalar(-7, 'int32'),
  mask: NDArray.of([true, false, true], 'bool'),
  empty: NDArray.zeros([0, 4], 'float32'),
});

describe('safetensors encoding', () => {
  it('reads a file assembled by hand from the spec', () => {
    const data = new Uint8Array([...littleEndian('i32', [5, -6]), ...littleEndian('f64', [0.1])]);
    const bytes = handMade(
      {
        __metadata__: { format: 'pt' },
        b: { dtype: 'F64', shape: [1], data_offsets: [8, 16] },
        a: { dtype: 'I32', shape: [1, 2], data_offsets: [0, 8] },
      },
      data,
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors)).toEqual(['a', 'b']); // file order
    expect(tensors.a.dtype).toBe('int32');
    expect(tensors.a.toNested()).toEqual([[5, -6]]);
    expect(tensors.b.toFlat()).toEqual([0.1]);
  });

  it('writes what the spec says: aligned JSON header, contiguous little-endian data', () => {
    const bytes = encodeSafetensors(sample(), { epoch: '3' });
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ epoch: '3' });
    expect(header['mlp.0.W']).toEqual({ dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] });
    expect(header.mask).toEqual({ dtype: 'BOOL', shape: [3], data_offsets: [44, 47] });
    expect(header.step).toEqual({ dtype: 'I32', shape: [], data_offsets: [40, 44] });
    const b = header['mlp.0.b'].data_offsets[0];
    expect(view.getFloat64(8 + n + b + 8, true)).toBe(-Math.E);
    expect(bytes.length).toBe(8 + n + 47);
  });

  it('round-trips names, dtypes, shapes, values and metadata, non-contiguous views included', () => {
    const tensors = sample();
    const transposed = new NDArray(NDArray.of([1, 2, 3, 4, 5, 6], 'float32').data, [3, 2], [1, 3]);
    const { tensors: back, metadata } = decodeSafetensors(
      encodeSafetensors({ ...tensors, transposed }, { a: 'b' }),
    );
    expect(metadata).toEqual({ a: 'b' });
    for (const [name, array] of Object.entries({ ...tensors, transposed })) {
      expect(back[name].dtype).toBe(array.dtype);
      expect(back[name].shape).toEqual(array.shape);
      expect(back[name].toFlat()).toEqual(array.toFlat());
    }
    expect(Object.is(back['mlp.0.W'].get(2, 1), -0)).toBe(true);
  });
});

describe('safetensors files', () => {
  const path = join(scratch, 'model.safetensors');

  it('saves through a file handle and loads everything, the index, or one tensor', async () => {
    await saveSafetensors(path, sample(), { metadata: { note: 'hi' } });
    expect(readFileSync(path)).toEqual(Buffer.from(encodeSafetensors(sample(), { note: 'hi' })));
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ note: 'hi' });
    expect(Object.keys(tensors)).toEqual(Object.keys(sample()));
    const index = await readSafetensorsIndex(path);
    expect(index.entries.map((e) => [e.name, e.dtype, e.shape])).toContainEqual(['mlp.0.b', 'float64', [2]]);
    const one = await loadSafetensorsTensor(path, 'mlp.0.b');
    expect(one.toFlat()).toEqual([Math.PI, -Math.E]);
    await expect(loadSafetensorsTensor(path, 'nope')).rejects.toThrow(
      /no tensor "nope"; the file holds mlp\.0\.W/,
    );
  });

  it('reads one tensor by offset without reading the rest (a sparse 4 GB file)', async () => {
    // The header declares a 4 GB tensor; the file is sparse, so only reading by offset is cheap.
    const huge = 1_000_000_000;
    const header = {
      big: { dtype: 'F32', shape: [huge], data_offsets: [0, 4 * huge] },
      small: { dtype: 'I32', shape: [3], data_offsets: [4 * huge, 4 * huge + 12] },
    };
    const prefix = handMade(header, new Uint8Array(0));
    const sparsePath = join(scratch, 'sparse.safetensors');
    const fd = openSync(sparsePath, 'w');
    writeSync(fd, prefix, 0, prefix.length, 0);
    writeSync(fd, littleEndian('i32', [1, -2, 3]), 0, 12, prefix.length + 4 * huge);
    closeSync(fd);
    const { entries, dataStart } = await readSafetensorsIndex(sparsePath);
    expect(entries.map((e) => e.name)).toEqual(['big', 'small']);
    expect(dataStart).toBe(prefix.length);
    expect((await loadSafetensorsTensor(sparsePath, 'small')).toFlat()).toEqual([1, -2, 3]);
    rmSync(sparsePath);
  });

  it('does not leave a partial file behind when saving fails', async () => {
    const bad = join(scratch, 'bad.safetensors');
    await expect(saveSafetensors(bad, { __metadata__: NDArray.zeros([1]) })).rejects.toThrow(/reserved/);
    await expect(
      saveSafetensors(bad, { x: NDArray.zeros([1]) }, { metadata: { n: 3 as unknown as string } }),
    ).rejects.toThrow(/metadata "n" must be a string/);
    expect(() => readFileSync(bad)).toThrow(/ENOENT/);
  });
});

describe('corrupt safetensors files give errors naming the file and the problem', () => {
  const good = encodeSafetensors(sample(), { k: 'v' });
  const n = Number(new DataView(good.buffer).getBigUint64(0, true));
  const withHeader = (header: object, data = new Uint8Array(8)): Uint8Array => handMade(header, data);

  it('truncated at every kind of place', async () => {
    const cuts: [number, RegExp][] = [
      [0, /not a safetensors file: 0 bytes/],
      [5, /not a safetensors file: 5 bytes/],
      [8, /file truncated: the header needs/],
      [8 + Math.floor(n / 2), /file truncated: the header needs/],
      [8 + n, /run past the data section/],
      [8 + n + 30, /run past the data section/],
      [good.length - 1, /"mask".*run past the data section, which has 46 bytes/],
    ];
    for (const [cut, message] of cuts) {
      const path = join(scratch, `cut-${cut}.safetensors`);
      writeFileSync(path, good.subarray(0, cut));
      await expect(loadSafetensors(path), `cut at ${cut}`).rejects.toThrow(message);
      await expect(loadSafetensors(path)).rejects.toThrow(path);
      expect(() => decodeSafetensors(good.subarray(0, cut), 'mem')).toThrow(message);
    }
  });

  it('bad headers: length, encoding, JSON, structure', () => {
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => decodeSafetensors(huge, 'f')).toThrow(/f: header length 1099511627776 is implausible/);
    const latin = good.slice();
    latin[9] = 0xff;
    expect(() => decodeSafetensors(latin, 'f')).toThrow(/not UTF-8/);
    const broken = good.slice();
    broken[8] = 0x5b; // '[' in place of '{'
    expect(() => decodeSafetensors(broken, 'f')).toThrow(/not valid JSON/);
    expect(() => decodeSafetensors(withHeader([1, 2] as unknown as object), 'f')).toThrow(
      /must be a JSON object/,
    );
    expect(() => decodeSafetensors(withHeader({ __metadata__: { a: 1 } }, new Uint8Array(0)), 'f')).toThrow(
      /"__metadata__" must map strings to strings/,
    );
  });

  it('bad entries: dtype strings, shapes, offsets out of range, overlaps, gaps, sizes', () => {
    const entry = (over: object): object => ({
      w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...over },
    });
    expect(() => decodeSafetensors(withHeader(entry({ dtype: 'F16' })), 'f')).toThrow(
      /tensor "w": dtype "F16" is not supported \(supported: F32, F64, I32, BOOL\)/,
    );
    expect(() => decodeSafetensors(withHeader(entry({ dtype: 'f32' })), 'f')).toThrow(/dtype "f32"/);
    expect(() => decodeSafetensors(withHeader(entry({ shape: [-2] })), 'f')).toThrow(/shape \[-2\]/);
    expect(() => decodeSafetensors(withHeader(entry({ data_offsets: [8, 0] })), 'f')).toThrow(
      /0 <= begin <= end/,
    );
    expect(() => decodeSafetensors(withHeader(entry({ data_offsets: [0, 12] })), 'f')).toThrow(
      /hold 12 bytes but F32 \(2,\) needs 8/,
    );
    expect(() => decodeSafetensors(withHeader(entry({ data_offsets: [4, 12] })), 'f')).toThrow(
      /run past the data section/,
    );
    const two = (a: number[], b: number[]): object => ({
      a: { dtype: 'I32', shape: [1], data_offsets: a },
      b: { dtype: 'I32', shape: [1], data_offsets: b },
    });
    expect(() => decodeSafetensors(withHeader(two([0, 4], [2, 6])), 'f')).toThrow(
      /"b" starts at data byte 2, expected 4: tensors overlap/,
    );
    expect(() => decodeSafetensors(withHeader(two([0, 4], [0, 4])), 'f')).toThrow(/overlap or leave a gap/);
    expect(() => decodeSafetensors(withHeader(entry({}), new Uint8Array(12)), 'f')).toThrow(
      /4 bytes after the last tensor/,
    );
    const boolBytes = withHeader(
      { m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } },
      new Uint8Array([1, 7]),
    );
    expect(() => decodeSafetensors(boolBytes, 'f')).toThrow(/tensor "m": bool element 1 holds byte 7/);
  });
});
