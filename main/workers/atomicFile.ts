// Files a kill at any moment cannot tear: written to a temporary file, fsynced, then renamed over
// the target, and the rename itself made durable. A reader sees the previous file or the new one.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `parts` one after another as the file at `path`; returns its size in bytes. */
export function writeFileAtomically(path: string, parts: readonly Uint8Array[]): number {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  let bytes = 0;
  try {
    for (const part of parts) bytes += writeSync(fd, part);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const directoryFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
  return bytes;
}
