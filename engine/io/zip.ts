// The parts of the ZIP format an .npz needs (PKWARE APPNOTE.TXT): reading the central directory
// (ZIP64 records included, as NumPy writes them) so one entry can be read without reading the
// rest of the file, and writing entries in streaming fashion through fflate. Entries are stored
// (method 0) or deflated (method 8); every read entry's CRC-32 is checked.
import type { FileHandle } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { readAt } from './tensor-bytes.ts';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

interface Directory {
  count: number;
  size: number;
  offset: number;
}

/** Finds the end-of-central-directory record (and its ZIP64 form) near the end of the file. */
async function findDirectory(handle: FileHandle, fileSize: number, path: string): Promise<Directory> {
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(handle, fileSize - tailLength, tailLength, path, 'the end of the zip');
  const view = viewOf(tail);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === EOCD && i + 22 + view.getUint16(i + 20, true) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    throw new Error(
      `${path}: not a zip archive (no end-of-central-directory record): the file is truncated or not an .npz`,
    );
  }
  let count = view.getUint16(at + 10, true);
  let size = view.getUint32(at + 12, true);
  let offset = view.getUint32(at + 16, true);
  if (count === 0xffff || size === U32_MAX || offset === U32_MAX) {
    const locatorAt = fileSize - tailLength + at - 20;
    const locator = viewOf(await readAt(handle, locatorAt, 20, path, 'the ZIP64 locator'));
    if (locator.getUint32(0, true) !== ZIP64_LOCATOR)
      throw new Error(`${path}: corrupt zip: ZIP64 locator missing`);
    const record = viewOf(
      await readAt(handle, Number(locator.getBigUint64(8, true)), 56, path, 'the ZIP64 directory record'),
    );
    if (record.getUint32(0, true) !== ZIP64_EOCD)
      throw new Error(`${path}: corrupt zip: ZIP64 directory record missing`);
    count = Number(record.getBigUint64(32, true));
    size = Number(record.getBigUint64(40, true));
    offset = Number(record.getBigUint64(48, true));
  }
  if (offset + size > fileSize) {
    throw new Error(
      `${path}: corrupt zip: the central directory (bytes ${offset}..${offset + size}) lies beyond the file end ${fileSize}`,
    );
  }
  return { count, size, offset };
}

/** Applies a ZIP64 extended-information extra field to sizes and offset saturated at 2^32 - 1. */
function applyZip64(entry: ZipEntry, extra: DataView): void {
  for (let p = 0; p + 4 <= extra.byteLength;) {
    const id = extra.getUint16(p, true);
    const length = extra.getUint16(p + 2, true);
    if (id === 0x0001) {
      let q = p + 4;
      const next = (): number => {
        const v = Number(extra.getBigUint64(q, true));
        q += 8;
        return v;
      };
      if (entry.size === U32_MAX) entry.size = next();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
      if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = next();
    }
    p += 4 + length;
  }
}

/** Every entry listed in the central directory, in order. */
export async function readZipDirectory(
  handle: FileHandle,
  fileSize: number,
  path: string,
): Promise<ZipEntry[]> {
  const directory = await findDirectory(handle, fileSize, path);
  const bytes = await readAt(handle, directory.offset, directory.size, path, 'the central directory');
  const view = viewOf(bytes);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < directory.count; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) {
      throw new Error(
        `${path}: corrupt zip: central directory entry ${i} of ${directory.count} is missing or damaged`,
      );
    }
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const entry: ZipEntry = {
      name: new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength)),
      method: view.getUint16(p + 10, true),
      flags: view.getUint16(p + 8, true),
      crc: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localHeaderOffset: view.getUint32(p + 42, true),
    };
    applyZip64(entry, new DataView(bytes.buffer, bytes.byteOffset + p + 46 + nameLength, extraLength));
    entries.push(entry);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one entry, CRC-checked. */
export async function readZipEntry(handle: FileHandle, entry: ZipEntry, path: string): Promise<Uint8Array> {
  const where = `${path}: entry "${entry.name}"`;
  if (entry.flags & 1) throw new Error(`${where} is encrypted; encrypted archives are not supported`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new Error(
      `${where} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
    );
  }
  const local = viewOf(
    await readAt(handle, entry.localHeaderOffset, 30, path, `the local header of "${entry.name}"`),
  );
  if (local.getUint32(0, true) !== LOCAL)
    throw new Error(`${where}: corrupt zip: no local file header at byte ${entry.localHeaderOffset}`);
  const dataAt = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  const raw = await readAt(handle, dataAt, entry.compressedSize, path, `the data of "${entry.name}"`);
  let data = raw;
  if (entry.method === 8) {
    try {
      data = inflateRawSync(raw);
    } catch (error) {
      throw new Error(`${where}: corrupt deflate data (${(error as Error).message})`, { cause: error });
    }
  }
  if (data.length !== entry.size) {
    throw new Error(`${where}: ${data.length} bytes after decompression, the directory says ${entry.size}`);
  }
  if (crc32(data) >>> 0 !== entry.crc) throw new Error(`${where}: CRC-32 mismatch: the data is corrupt`);
  return data;
}

/** Streams entries into a zip through a file handle: each chunk is written before the next is made. */
export class ZipFileWriter {
  private readonly handle: FileHandle;
  private readonly path: string;
  private readonly zip: Zip;
  private pending: Uint8Array[] = [];
  private failure: Error | undefined;
  private written = 0;

  constructor(handle: FileHandle, path: string) {
    this.handle = handle;
    this.path = path;
    this.zip = new Zip((error, chunk) => {
      if (error) this.failure = error;
      else this.pending.push(chunk);
    });
  }

  private async flush(): Promise<void> {
    if (this.failure) throw new Error(`${this.path}: zip writer failed: ${this.failure.message}`);
    for (const chunk of this.pending) {
      await this.handle.write(chunk, 0, chunk.length, this.written);
      this.written += chunk.length;
    }
    this.pending = [];
    // Without ZIP64 (fflate does not write it), offsets and sizes must stay below 4 GiB.
    if (this.written >= U32_MAX) {
      throw new Error(
        `${this.path}: the archive passed 4 GiB, which needs ZIP64; save tensors this large as safetensors`,
      );
    }
  }

  /** Adds one entry made of `chunks` (stored, or deflated when `compress`). */
  async add(name: string, chunks: Iterable<Uint8Array>, compress: boolean): Promise<void> {
    const entry = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    entry.mtime = new Date(2000, 0, 1); // fixed, so equal tensors give byte-identical files
    this.zip.add(entry);
    for (const chunk of chunks) {
      entry.push(chunk);
      await this.flush();
    }
    entry.push(new Uint8Array(0), true);
    await this.flush();
  }

  async finish(): Promise<void> {
    this.zip.end();
    await this.flush();
  }
}
