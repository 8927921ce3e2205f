// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
//   bytes 0-1  zero;  byte 2  element type;  byte 3  number of dimensions d
//   then d big-endian uint32 sizes, then the elements, big-endian, row-major.
// Files may be gzipped (recognised by the gzip magic bytes, whatever the file is called).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type IdxElementArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  shape: number[];
  data: IdxElementArray;
}

interface IdxElementType {
  name: string;
  bytes: number;
  make: (n: number) => IdxElementArray;
  read: (view: DataView, at: number) => number;
}

const elementTypes: Record<number, IdxElementType> = {
  0x08: { name: 'unsigned byte', bytes: 1, make: (n) => new Uint8Array(n), read: (v, at) => v.getUint8(at) },
  0x09: { name: 'signed byte', bytes: 1, make: (n) => new Int8Array(n), read: (v, at) => v.getInt8(at) },
  0x0b: { name: 'short', bytes: 2, make: (n) => new Int16Array(n), read: (v, at) => v.getInt16(at) },
  0x0c: { name: 'int', bytes: 4, make: (n) => new Int32Array(n), read: (v, at) => v.getInt32(at) },
  0x0d: { name: 'float', bytes: 4, make: (n) => new Float32Array(n), read: (v, at) => v.getFloat32(at) },
  0x0e: { name: 'double', bytes: 8, make: (n) => new Float64Array(n), read: (v, at) => v.getFloat64(at) },
};

/** Parses IDX bytes; `name` (usually the file path) goes into every error message. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`${name}: not an IDX file: only ${bytes.length} bytes, the header alone needs 4`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0).toString(16).padStart(8, '0');
  const type = elementTypes[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    throw new Error(
      `${name}: not an IDX file: magic number 0x${magic} should be 0x0000TTDD with element type TT in ` +
        '08, 09, 0b, 0c, 0d, 0e (MNIST labels are 0x00000801, images 0x00000803)',
    );
  }
  const ndim = bytes[3];
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(
      `${name}: truncated IDX header: ${ndim} dimensions need ${headerBytes} bytes, the file has ${bytes.length}`,
    );
  }
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw new Error(
      `${name}: IDX data ${what}: shape [${shape.join(', ')}] of ${type.name} needs ${expected} bytes, ` +
        `the file has ${bytes.length}`,
    );
  }
  const data = type.make(count);
  if (type.bytes === 1) {
    data.set(bytes.subarray(headerBytes, expected));
  } else {
    for (let i = 0; i < count; i++) data[i] = type.read(view, headerBytes + i * type.bytes);
  }
  return { shape, data };
}

/** Reads an IDX file, gunzipping it first when it starts with the gzip magic bytes. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${path}: corrupt gzip data (${(error as Error).message}); download the file again`, {
        cause: error,
      });
    }
  }
  return parseIdx(bytes, path);
}
