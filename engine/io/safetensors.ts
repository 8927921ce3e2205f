// safetensors model files (https://github.com/huggingface/safetensors), the format PyTorch, JAX
// and most model hubs exchange weights in:
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   UTF-8 JSON: {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [2, 3],
//             "data_offsets": [begin, end]}, ...}; we pad it with spaces to a multiple of 8 so the
//             data stays aligned, as the reference writer does
//   the data  each tensor's elements, row-major, little-endian, at [begin, end) of this section;
//             the tensors tile the section exactly (checked on reading, like the reference reader)
// Files are written tensor by tensor through a file handle, and one tensor can be read by reading
// the header and then only its byte range.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { bytesPerElement, type DType } from '../core/dtype.ts';
import { formatShape, shapeSize, type NDArray } from '../core/ndarray.ts';
import {
  checkTensorName,
  readAt,
  tensorBytes,
  tensorFromBytes,
  writeAll,
  writeAtomically,
  type TensorMap,
} from './tensor-bytes.ts';

const dtypeOfCode: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };
const codeOfDtype: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const METADATA = '__metadata__';
/** The reference implementation refuses headers above 100 MB; a larger length means corruption. */
const MAX_HEADER_BYTES = 100_000_000;

export type SafetensorsMetadata = Record<string, string>;

export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte range within the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsIndex {
  /** In file order. */
  entries: SafetensorsEntry[];
  metadata: SafetensorsMetadata;
  /** Where the data section starts in the file (8 + header length). */
  dataStart: number;
}

/** The 8-byte length and the padded JSON header for these tensors. */
function encodeHeader(tensors: TensorMap, metadata: SafetensorsMetadata, where: string): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new Error(
          `${where}: metadata "${key}" must be a string (safetensors metadata is string to string)`,
        );
      }
    }
    header[METADATA] = metadata;
  }
  let offset = 0;
  for (const [name, array] of Object.entries(tensors)) {
    checkTensorName(name, where);
    if (name === METADATA) throw new Error(`${where}: "${METADATA}" is reserved and cannot name a tensor`);
    const end = offset + array.size * bytesPerElement(array.dtype);
    header[name] = { dtype: codeOfDtype[array.dtype], shape: [...array.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Parses and validates a header against the data section's length; every error names `path`. */
function parseHeader(jsonBytes: Uint8Array, dataLength: number, path: string): SafetensorsIndex {
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(jsonBytes);
  } catch {
    throw new Error(
      `${path}: safetensors header is not UTF-8 text (the file is corrupt or not a safetensors file)`,
    );
  }
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: safetensors header is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new Error(`${path}: safetensors header must be a JSON object of tensor entries`);
  }
  let metadata: SafetensorsMetadata = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA) {
      const ok =
        typeof info === 'object' && info !== null && Object.values(info).every((v) => typeof v === 'string');
      if (!ok) throw new Error(`${path}: "${METADATA}" must map strings to strings`);
      metadata = info as SafetensorsMetadata;
      continue;
    }
    const bad = (what: string): Error => new Error(`${path}: tensor "${name}": ${what}`);
    if (typeof info !== 'object' || info === null)
      throw bad('entry must be an object with dtype, shape, data_offsets');
    const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
    const dtype = typeof code === 'string' ? dtypeOfCode[code] : undefined;
    if (!dtype) {
      throw bad(
        `dtype ${JSON.stringify(code)} is not supported (supported: ${Object.keys(dtypeOfCode).join(', ')})`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isCount))
      throw bad(`shape ${JSON.stringify(shape)} must list non-negative integers`);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every(isCount) ||
      offsets[0] > offsets[1]
    ) {
      throw bad(`data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as number[];
    const needed = shapeSize(shape) * bytesPerElement(dtype);
    if (end - begin !== needed) {
      throw bad(
        `data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${code} ${formatShape(shape)} needs ${needed}`,
      );
    }
    if (end > dataLength) {
      throw bad(
        `data_offsets [${begin}, ${end}] run past the data section, which has ${dataLength} bytes (file truncated?)`,
      );
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const entry of entries) {
    if (entry.begin !== expected) {
      throw new Error(
        `${path}: tensor "${entry.name}" starts at data byte ${entry.begin}, expected ${expected}: tensors overlap or leave a gap`,
      );
    }
    expected = entry.end;
  }
  if (expected !== dataLength) {
    throw new Error(
      `${path}: ${dataLength - expected} bytes after the last tensor that no header entry describes`,
    );
  }
  return { entries, metadata, dataStart: 0 };
}

/** Header length from the first 8 bytes, checked against the file size. */
function headerLength(first8: Uint8Array, fileSize: number, path: string): number {
  if (fileSize < 8) {
    throw new Error(`${path}: not a safetensors file: ${fileSize} bytes, the length prefix alone needs 8`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(
      `${path}: header length ${n} is implausible (over 100 MB): the file is corrupt or not safetensors`,
    );
  }
  if (8 + Number(n) > fileSize) {
    throw new Error(
      `${path}: file truncated: the header needs ${n} bytes after the length, the file has ${fileSize - 8}`,
    );
  }
  return Number(n);
}

/** A whole safetensors file in memory. */
export function encodeSafetensors(tensors: TensorMap, metadata: SafetensorsMetadata = {}): Uint8Array {
  const header = encodeHeader(tensors, metadata, 'encodeSafetensors');
  const parts = Object.values(tensors).map(tensorBytes);
  const out = new Uint8Array(header.length + parts.reduce((n, p) => n + p.length, 0));
  out.set(header);
  let at = header.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The tensor of `entry` over its bytes (`owned`: freshly read, so they may be used in place). */
function tensorOf(entry: SafetensorsEntry, bytes: Uint8Array, path: string, owned: boolean): NDArray {
  try {
    return tensorFromBytes(bytes, entry.dtype, entry.shape, owned);
  } catch (error) {
    throw new Error(`${path}: tensor "${entry.name}": ${(error as Error).message}`, { cause: error });
  }
}

/** Reads and decodes one tensor of an indexed file. */
async function readTensor(
  handle: FileHandle,
  index: SafetensorsIndex,
  entry: SafetensorsEntry,
  path: string,
): Promise<NDArray> {
  const length = entry.end - entry.begin;
  const bytes = await readAt(handle, index.dataStart + entry.begin, length, path, `tensor "${entry.name}"`);
  return tensorOf(entry, bytes, path, true);
}

/** Tensors and metadata from safetensors bytes; `path` names the source in errors. */
export function decodeSafetensors(
  bytes: Uint8Array,
  path = '<safetensors bytes>',
): { tensors: TensorMap; metadata: SafetensorsMetadata } {
  const n = headerLength(bytes.subarray(0, 8), bytes.length, path);
  const index = parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, path);
  const data = bytes.subarray(8 + n);
  const tensors: TensorMap = {};
  for (const e of index.entries) tensors[e.name] = tensorOf(e, data.subarray(e.begin, e.end), path, false);
  return { tensors, metadata: index.metadata };
}

/** Writes tensors one by one through a file handle (never the whole file in memory). */
export async function saveSafetensors(
  path: string,
  tensors: TensorMap,
  options: { metadata?: SafetensorsMetadata } = {},
): Promise<void> {
  const header = encodeHeader(tensors, options.metadata ?? {}, path);
  await writeAtomically(path, async (handle) => {
    await writeAll(handle, header);
    for (const array of Object.values(tensors)) await writeAll(handle, tensorBytes(array));
  });
}

/** The header only: names, dtypes, shapes and byte ranges, validated against the file size. */
export async function readSafetensorsIndex(path: string): Promise<SafetensorsIndex> {
  const fileSize = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    const n = headerLength(
      await readAt(handle, 0, Math.min(8, fileSize), path, 'the length prefix'),
      fileSize,
      path,
    );
    const index = parseHeader(await readAt(handle, 8, n, path, 'the header'), fileSize - 8 - n, path);
    return { ...index, dataStart: 8 + n };
  } finally {
    await handle.close();
  }
}

/** One tensor, reading only the header and that tensor's bytes. */
export async function loadSafetensorsTensor(path: string, name: string): Promise<NDArray> {
  const index = await readSafetensorsIndex(path);
  const entry = index.entries.find((e) => e.name === name);
  if (!entry) {
    const names = index.entries.map((e) => e.name);
    throw new Error(
      `${path}: no tensor "${name}"; the file holds ${names.length ? names.join(', ') : 'no tensors'}`,
    );
  }
  const handle = await open(path, 'r');
  try {
    return await readTensor(handle, index, entry, path);
  } finally {
    await handle.close();
  }
}

/** All tensors (in file order) and the metadata, read tensor by tensor. */
export async function loadSafetensors(
  path: string,
): Promise<{ tensors: TensorMap; metadata: SafetensorsMetadata }> {
  const index = await readSafetensorsIndex(path);
  const handle = await open(path, 'r');
  try {
    const tensors: TensorMap = {};
    for (const e of index.entries) tensors[e.name] = await readTensor(handle, index, e, path);
    return { tensors, metadata: index.metadata };
  } finally {
    await handle.close();
  }
}
