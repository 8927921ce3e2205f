// Tensors as raw little-endian bytes, the layout both safetensors and .npy use, and the small
// pieces of file reading both formats share (positional reads that explain truncation).
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { bytesPerElement, type DType } from '../core/dtype.ts';
import { NDArray, type Shape } from '../core/ndarray.ts';

/** Named tensors in file order. */
export type TensorMap = Record<string, NDArray>;

// Typed arrays use the platform's byte order; every platform Node runs on is little-endian,
// and the check keeps a port to a big-endian one from writing garbage silently.
if (endianness() !== 'LE') {
  throw new Error(
    'engine/io: model files are little-endian and this platform is big-endian; byte swapping is not implemented',
  );
}

/** The tensor's elements in row-major order as bytes (a view when the array is already contiguous). */
export function tensorBytes(array: NDArray): Uint8Array {
  const data = array.contiguous().data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Below this size, bytes are always copied: small Node Buffers can be slices of a shared pool. */
const MIN_IN_PLACE_BYTES = 1 << 16;

/**
 * A tensor over `bytes`. With `owned` (the caller just read them into a fresh buffer nobody else
 * holds), a large aligned range is used in place; otherwise it is copied.
 */
export function tensorFromBytes(bytes: Uint8Array, dtype: DType, shape: Shape, owned = false): NDArray {
  const width = bytesPerElement(dtype);
  let source = bytes;
  if (!owned || bytes.byteOffset % width !== 0 || bytes.length < MIN_IN_PLACE_BYTES) {
    source = new Uint8Array(bytes.length);
    source.set(bytes);
  }
  const { buffer, byteOffset } = source;
  const n = bytes.length / width;
  switch (dtype) {
    case 'float32':
      return new NDArray(new Float32Array(buffer, byteOffset, n), shape);
    case 'float64':
      return new NDArray(new Float64Array(buffer, byteOffset, n), shape);
    case 'int32':
      return new NDArray(new Int32Array(buffer, byteOffset, n), shape);
    case 'bool': {
      const bad = source.findIndex((b) => b > 1);
      if (bad >= 0) throw new Error(`bool element ${bad} holds byte ${source[bad]}, not 0 or 1`);
      return new NDArray(source, shape);
    }
  }
}

/** Checks a tensor name: non-empty text that survives a round trip through a file. */
export function checkTensorName(name: string, where: string): void {
  if (name.length === 0) throw new Error(`${where}: tensor names must not be empty`);
  if (name.includes('\0'))
    throw new Error(`${where}: tensor name ${JSON.stringify(name)} contains a NUL character`);
}

/** One read or write call moves at most this much (Node refuses single calls above 2 GiB). */
const IO_CHUNK_BYTES = 1 << 30;

/** Writes all of `bytes` at the handle's current position. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; at += IO_CHUNK_BYTES) {
    const chunk = bytes.subarray(at, at + IO_CHUNK_BYTES);
    let done = 0;
    while (done < chunk.length) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
  }
}

/** Reads exactly `length` bytes at `position`, or explains what is missing. */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  path: string,
  what: string,
): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const chunk = Math.min(length - got, IO_CHUNK_BYTES);
    const { bytesRead } = await handle.read(buffer, got, chunk, position + got);
    if (bytesRead === 0) {
      throw new Error(
        `${path}: file truncated: ${what} needs bytes ${position}..${position + length}, the file ends at ${position + got}`,
      );
    }
    got += bytesRead;
  }
  return buffer;
}

let partialFiles = 0;

/** Writes a file through a temporary name and renames it into place, so a crash mid-write never
 * leaves a half-written model file (or a half-overwritten checkpoint) at `path`. */
export async function writeAtomically(
  path: string,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const temporary = `${path}.partial-${process.pid}-${++partialFiles}`;
  const handle = await open(temporary, 'w');
  try {
    await write(handle);
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await rename(temporary, path);
}
