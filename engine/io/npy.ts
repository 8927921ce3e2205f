// The NumPy .npy format (numpy/lib/format.py, NEP 1):
//   "\x93NUMPY", major, minor, header length (uint16 LE in v1.0, uint32 LE in v2.0/v3.0),
//   an ASCII Python dict {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
//   spaces and a final '\n' so the data starts on a 64-byte boundary, then the raw elements.
// We write v1.0 (v2.0 only when the header would not fit), with '<f4', '<f8', '<i4', '|b1'.
// We read those, their big-endian forms, Fortran order, and the narrower or wider integer types
// NumPy often produces (int8/16/64, uint8/16/32/64) into int32 when every value fits exactly —
// anything that would not fit is an error, never a silent wrap.
import type { DType } from '../core/dtype.ts';
import { contiguousStrides, NDArray, shapeSize, type Shape } from '../core/ndarray.ts';
import { tensorBytes, tensorFromBytes } from './tensor-bytes.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
const descrOfDtype: Record<DType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', bool: '|b1' };

function formatTuple(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** The .npy header (magic, version, length, padded dict) for an array of this dtype and shape. */
export function npyHeader(dtype: DType, shape: Shape): Uint8Array {
  const dict = `{'descr': '${descrOfDtype[dtype]}', 'fortran_order': False, 'shape': ${formatTuple(shape)}, }`;
  for (const [version, prefix] of [
    [1, 10],
    [2, 12],
  ]) {
    const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
    const headerLength = total - prefix;
    if (version === 1 && headerLength > 0xffff) continue;
    const out = new Uint8Array(total);
    out.set(MAGIC);
    out[6] = version;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (version === 1) view.setUint16(8, headerLength, true);
    else view.setUint32(8, headerLength, true);
    const text = dict.padEnd(headerLength - 1, ' ') + '\n';
    for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
    return out;
  }
  throw new Error(`npyHeader: shape ${formatTuple(shape)} does not fit a .npy header`);
}

/** A whole .npy file in memory. */
export function encodeNpy(array: NDArray): Uint8Array {
  const header = npyHeader(array.dtype, array.shape);
  const data = tensorBytes(array);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

interface Descr {
  dtype: DType;
  /** Element size in the file. */
  width: number;
  bigEndian: boolean;
  /** For integers stored in another width: how to read one from a DataView. */
  readInt?: (view: DataView, at: number, little: boolean) => number | bigint;
}

function parseDescr(descr: string, where: string): Descr {
  const match = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const unsupported = (): Error =>
    new Error(
      `${where}: dtype '${descr}' is not supported (float32, float64, int32, bool, and integers that fit int32)`,
    );
  if (!match) throw unsupported();
  const [, order, kind, size] = match;
  const width = Number(size);
  const bigEndian = order === '>';
  if (kind === 'f' && (width === 4 || width === 8))
    return { dtype: width === 4 ? 'float32' : 'float64', width, bigEndian };
  if (kind === 'b' && width === 1) return { dtype: 'bool', width, bigEndian };
  const readers: Record<string, Descr['readInt']> = {
    i1: (v, at) => v.getInt8(at),
    u1: (v, at) => v.getUint8(at),
    i2: (v, at, le) => v.getInt16(at, le),
    u2: (v, at, le) => v.getUint16(at, le),
    i4: (v, at, le) => v.getInt32(at, le),
    u4: (v, at, le) => v.getUint32(at, le),
    i8: (v, at, le) => v.getBigInt64(at, le),
    u8: (v, at, le) => v.getBigUint64(at, le),
  };
  const readInt = readers[`${kind}${width}`];
  if (!readInt) throw unsupported();
  return { dtype: 'int32', width, bigEndian, readInt };
}

interface NpyHeader {
  descr: Descr;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parses the magic, version and header dict; `where` names the source in errors. */
export function parseNpyHeader(bytes: Uint8Array, where: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${where}: not a .npy array: it does not start with the magic bytes \\x93NUMPY`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3)
    throw new Error(`${where}: .npy format version ${major}.${bytes[7]} is not supported (1.0 to 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new Error(`${where}: truncated .npy header`);
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (bytes.length < prefix + length) {
    throw new Error(
      `${where}: truncated .npy header: it declares ${length} bytes, ${bytes.length - prefix} are present`,
    );
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(prefix, prefix + length),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) {
    const structured = /'descr'\s*:\s*\[/.test(text) ? ' (structured arrays are not supported)' : '';
    throw new Error(
      `${where}: .npy header ${JSON.stringify(text.trim())} lacks descr, fortran_order or shape${structured}`,
    );
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!dims.every((d) => /^\d+$/.test(d)))
    throw new Error(`${where}: .npy shape (${shape[1]}) is not a tuple of integers`);
  return {
    descr: parseDescr(descr[1], where),
    fortranOrder: fortran[1] === 'True',
    shape: dims.map(Number),
    dataOffset: prefix + length,
  };
}

/** Elements of the file (any supported descr) as a contiguous little-endian array of `dtype`. */
function readElements(data: Uint8Array, descr: Descr, count: number, where: string, owned: boolean): NDArray {
  if (descr.readInt) {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const v = Number(descr.readInt(view, i * descr.width, !descr.bigEndian));
      if (v < -(2 ** 31) || v >= 2 ** 31) {
        throw new Error(
          `${where}: integer element ${i} = ${v} does not fit int32; convert it in NumPy first`,
        );
      }
      out[i] = v;
    }
    return new NDArray(out, [count]);
  }
  let bytes = data;
  if (descr.bigEndian && descr.width > 1) {
    owned = true;
    bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i += descr.width) {
      for (let k = 0; k < descr.width; k++) bytes[i + k] = data[i + descr.width - 1 - k];
    }
  }
  try {
    return tensorFromBytes(bytes, descr.dtype, [count], owned);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * An array from a whole .npy file. With `owned` (the bytes were just read or inflated into a
 * buffer nobody else holds), aligned data is used in place instead of copied.
 */
export function decodeNpy(bytes: Uint8Array, where = '<npy bytes>', owned = false): NDArray {
  const header = parseNpyHeader(bytes, where);
  const count = shapeSize(header.shape);
  const needed = count * header.descr.width;
  const present = bytes.length - header.dataOffset;
  if (present !== needed) {
    const what = present < needed ? 'truncated' : 'followed by extra bytes';
    throw new Error(
      `${where}: .npy data ${what}: shape ${formatTuple(header.shape)} of '${header.descr.dtype}' needs ${needed} bytes, ${present} are present`,
    );
  }
  const flat = readElements(bytes.subarray(header.dataOffset), header.descr, count, where, owned);
  if (!header.fortranOrder || header.shape.length < 2) return new NDArray(flat.data, header.shape);
  // Fortran order is column-major: the same elements seen through reversed strides.
  const strides = contiguousStrides([...header.shape].reverse()).reverse();
  return new NDArray(flat.data, header.shape, strides).contiguous();
}
