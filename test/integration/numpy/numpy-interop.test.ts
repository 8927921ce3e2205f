// Interoperability of our model files with NumPy (test/support/python.ts finds it): files we write load in NumPy
// with bit-identical values, and files NumPy writes (np.save, np.savez, np.savez_compressed) load
// in ours. The safetensors package is not installed, so the Python side of the safetensors tests
// is a tiny independent reader/writer built from struct, json and numpy.frombuffer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../../engine/core/ndarray.ts';
import { decodeNpy } from '../../../engine/io/npy.ts';
import { listNpz, loadNpz, loadNpzTensor, saveNpz } from '../../../engine/io/npz.ts';
import { loadSafetensors, loadSafetensorsTensor, saveSafetensors } from '../../../engine/io/safetensors.ts';
import { tensorBytes, type TensorMap } from '../../../engine/io/tensor-bytes.ts';
import { rand, randn } from '../../../engine/random/rng.ts';
import { findPython, requirePython } from '../../support/python.ts';

const found = findPython('numpy');
const numpyMissing = found.python === null ? found.reason : '';
if (numpyMissing) console.log(`skipping the NumPy interop tests: ${numpyMissing}`);

const scratch = mkdtempSync(join(tmpdir(), 'curriculum-lab-numpy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs Python code with arguments; returns its stdout parsed as JSON. */
function runPython(code: string, ...args: string[]): unknown {
  const result = spawnSync(requirePython('numpy'), ['-c', code, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) throw new Error(`python failed:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Python helper: an array's dtype name, shape and little-endian C-order bytes as hex. */
const describeArray = `
import json, sys, numpy as np
def describe(a):
    a = np.asarray(a)
    le = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<'))
    return {'dtype': a.dtype.name, 'shape': list(a.shape), 'hex': le.tobytes().hex()}
`;

const hexOf = (array: NDArray): string => Buffer.from(tensorBytes(array)).toString('hex');

/** Tensors covering every dtype, odd shapes, special float values and a multi-chunk array. */
function sample(): TensorMap {
  return {
    'mlp.0.W': randn([784, 20], { seed: 1 }),
    'mlp.0.b': NDArray.of([0, -0, Infinity, -Infinity, NaN, 1e-45, 3.4e38], 'float32'),
    'mlp/1.W': randn([3, 4, 5], { seed: 2, dtype: 'float64' }),
    big: rand([400_000], { seed: 3 }), // 1.6 MB: several write chunks
    step: NDArray.scalar(-123456, 'int32'),
    labels: NDArray.of([0, 9, -2147483648, 2147483647], 'int32'),
    mask: NDArray.of([[true, false, true]], 'bool'),
    empty: NDArray.zeros([0, 3], 'float64'),
  };
}

function expectSameArrays(
  described: Record<string, { dtype: string; shape: number[]; hex: string }>,
  tensors: TensorMap,
): void {
  expect(Object.keys(described).sort()).toEqual(Object.keys(tensors).sort());
  for (const [name, array] of Object.entries(tensors)) {
    expect(described[name].dtype, name).toBe(array.dtype);
    expect(described[name].shape, name).toEqual(array.shape);
    expect(described[name].hex, name).toBe(hexOf(array));
  }
}

describe.skipIf(!!numpyMissing)('NumPy interop: .npz and .npy', () => {
  for (const compress of [false, true]) {
    it(`np.load reads the .npz we write (${compress ? 'deflated' : 'stored'}) with identical bits`, async () => {
      const path = join(scratch, `ours-${compress}.npz`);
      await saveNpz(path, sample(), { compress });
      const described = runPython(
        `${describeArray}
with np.load(sys.argv[1]) as f:
    print(json.dumps({k: describe(f[k]) for k in f.files}))`,
        path,
      );
      expectSameArrays(described as never, sample());
    });
  }

  it('we read what np.savez, np.savez_compressed and np.save write, bit for bit', async () => {
    const made = runPython(
      `${describeArray}
rng = np.random.default_rng(0)
arrays = {
    'w': rng.standard_normal((5, 7)).astype(np.float32),
    'layer.b': rng.standard_normal(6),
    'ints': np.arange(-3, 9, dtype=np.int32).reshape(3, 4),
    'mask': np.array([[True, False], [False, True]]),
    'fortran': np.asfortranarray(rng.standard_normal((3, 4))),
    'bigendian': np.arange(5, dtype='>f4'),
    'scalar': np.float64(2.5),
    'empty': np.zeros((2, 0), dtype=np.float32),
    'big': rng.random(300000, dtype=np.float32),
}
folder = sys.argv[1]
np.savez(folder + '/plain.npz', **arrays)
np.savez_compressed(folder + '/compressed.npz', **arrays)
np.save(folder + '/single.npy', arrays['fortran'])
# NumPy's default integer is int64; small values must load as int32.
np.savez(folder + '/int64.npz', counts=np.arange(-2, 3))
print(json.dumps({k: describe(v) for k, v in arrays.items()}))`,
      scratch,
    ) as Record<string, { dtype: string; shape: number[]; hex: string }>;
    for (const file of ['plain.npz', 'compressed.npz']) {
      const path = join(scratch, file);
      expect(await listNpz(path)).toEqual(Object.keys(made));
      const ours = await loadNpz(path);
      expectSameArrays(made, ours);
      expect(hexOf(await loadNpzTensor(path, 'fortran'))).toBe(made.fortran.hex);
    }
    expect(hexOf(decodeNpy(readFileSync(join(scratch, 'single.npy'))))).toBe(made.fortran.hex);
    const counts = (await loadNpz(join(scratch, 'int64.npz'))).counts;
    expect(counts.dtype).toBe('int32');
    expect(counts.toFlat()).toEqual([-2, -1, 0, 1, 2]);
  });
});

// The independent safetensors reader and writer on the Python side.
const pySafetensors = `
import json, struct, sys, numpy as np
DT = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'BOOL': '|b1'}
def read(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        out[name] = np.frombuffer(data[b:e], dtype=DT[info['dtype']]).reshape(info['shape'])
    return out, meta
def write(path, arrays, meta):
    header, blobs, at = {'__metadata__': meta}, [], 0
    code = {v: k for k, v in DT.items()}
    for name, a in arrays.items():
        blob = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': code[a.dtype.newbyteorder('<').str], 'shape': list(a.shape), 'data_offsets': [at, at + len(blob)]}
        blobs.append(blob)
        at += len(blob)
    h = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
`;

describe.skipIf(!!numpyMissing)('NumPy interop: safetensors via an independent Python reader/writer', () => {
  it('a Python reader sees our tensors and metadata with identical bits', async () => {
    const path = join(scratch, 'ours.safetensors');
    await saveSafetensors(path, sample(), { metadata: { framework: 'curriculum-lab', step: '12' } });
    const result = runPython(
      `${describeArray}${pySafetensors}
arrays, meta = read(sys.argv[1])
print(json.dumps({'meta': meta, 'arrays': {k: describe(v) for k, v in arrays.items()}}))`,
      path,
    ) as {
      meta: Record<string, string>;
      arrays: Record<string, { dtype: string; shape: number[]; hex: string }>;
    };
    expect(result.meta).toEqual({ framework: 'curriculum-lab', step: '12' });
    expectSameArrays(result.arrays, sample());
  });

  it('we read a safetensors file the Python writer made, whole and tensor by tensor', async () => {
    const path = join(scratch, 'theirs.safetensors');
    const made = runPython(
      `${describeArray}${pySafetensors}
rng = np.random.default_rng(1)
arrays = {'emb': rng.standard_normal((11, 3)).astype(np.float32), 'h': rng.standard_normal(4),
          'ids': np.array([[1, -2], [3, 4]], dtype=np.int32), 'keep': np.array([False, True])}
write(sys.argv[1], arrays, {'source': 'numpy'})
print(json.dumps({k: describe(v) for k, v in arrays.items()}))`,
      path,
    ) as Record<string, { dtype: string; shape: number[]; hex: string }>;
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ source: 'numpy' });
    expectSameArrays(made, tensors);
    expect(hexOf(await loadSafetensorsTensor(path, 'ids'))).toBe(made.ids.hex);
  });
});
