// NumPy .npz archives: a zip holding one "<name>.npy" per array, as np.savez (stored entries)
// and np.savez_compressed (deflated entries) write them. Saving streams tensor by tensor through
// a file handle; loading one array reads the central directory and then only that entry.
import { open, type FileHandle } from 'node:fs/promises';
import type { NDArray } from '../core/ndarray.ts';
import { decodeNpy, npyHeader } from './npy.ts';
import { checkTensorName, tensorBytes, writeAtomically, type TensorMap } from './tensor-bytes.ts';
import { readZipDirectory, readZipEntry, ZipFileWriter, type ZipEntry } from './zip.ts';

const CHUNK_BYTES = 1 << 20;

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

export interface NpzOptions {
  /** Deflate the entries like np.savez_compressed (default false: stored, like np.savez). */
  compress?: boolean;
}

export async function saveNpz(path: string, tensors: TensorMap, options: NpzOptions = {}): Promise<void> {
  for (const name of Object.keys(tensors)) checkTensorName(name, path);
  await writeAtomically(path, async (handle) => {
    const writer = new ZipFileWriter(handle, path);
    for (const [name, array] of Object.entries(tensors)) {
      const entries = [npyHeader(array.dtype, array.shape), ...chunksOf(tensorBytes(array))];
      await writer.add(`${name}.npy`, entries, options.compress ?? false);
    }
    await writer.finish();
  });
}

/** The archive's arrays: name (without ".npy") to zip entry; other entries are not arrays and are skipped. */
async function arrayEntries(handle: FileHandle, path: string): Promise<Map<string, ZipEntry>> {
  const entries = await readZipDirectory(handle, (await handle.stat()).size, path);
  const arrays = new Map<string, ZipEntry>();
  for (const entry of entries) {
    if (!entry.name.endsWith('.npy')) continue;
    const name = entry.name.slice(0, -'.npy'.length);
    if (arrays.has(name)) throw new Error(`${path}: the archive holds "${entry.name}" twice`);
    arrays.set(name, entry);
  }
  return arrays;
}

async function withFile<T>(path: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** Names of the arrays in an .npz, in archive order (reads only the central directory). */
export async function listNpz(path: string): Promise<string[]> {
  return withFile(path, async (handle) => [...(await arrayEntries(handle, path)).keys()]);
}

/** One array, reading the central directory and that entry only. */
export async function loadNpzTensor(path: string, name: string): Promise<NDArray> {
  return withFile(path, async (handle) => {
    const entries = await arrayEntries(handle, path);
    const entry = entries.get(name);
    if (!entry) {
      throw new Error(
        `${path}: no array "${name}"; the archive holds ${[...entries.keys()].join(', ') || 'no arrays'}`,
      );
    }
    return decodeNpy(await readZipEntry(handle, entry, path), `${path}: array "${name}"`, true);
  });
}

/** Every array in archive order, read entry by entry. */
export async function loadNpz(path: string): Promise<TensorMap> {
  return withFile(path, async (handle) => {
    const tensors: TensorMap = {};
    for (const [name, entry] of await arrayEntries(handle, path)) {
      tensors[name] = decodeNpy(await readZipEntry(handle, entry, path), `${path}: array "${name}"`, true);
    }
    return tensors;
  });
}
