// Checkpoint files: a small JSON header (run, step, trainer) and the trainer's opaque state.
// Written atomically — to a temporary file, fsynced, then renamed — so a kill at any moment
// leaves either the previous checkpoint or the new one, never a torn file.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

const magic = Buffer.from('LABCKPT1');

export interface CheckpointHeader {
  runId: number;
  step: number;
  trainer: string;
  seed: number;
  /** The run's first validation loss: what divergence is measured against after a resume. */
  firstValLoss?: number;
}

export function checkpointPath(directory: string, step: number): string {
  return join(directory, `step-${String(step).padStart(9, '0')}.ckpt`);
}

export function writeCheckpointFile(path: string, header: CheckpointHeader, state: Uint8Array): number {
  mkdirSync(dirname(path), { recursive: true });
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    for (const part of [magic, length, headerBytes, state]) writeSync(fd, part);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // Make the rename itself durable.
  const directoryFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
  return magic.length + 4 + headerBytes.length + state.length;
}

export function readCheckpointFile(path: string): { header: CheckpointHeader; state: Uint8Array } {
  const bytes = readFileSync(path);
  if (bytes.length < magic.length + 4 || !bytes.subarray(0, magic.length).equals(magic)) {
    throw new Error(`${path} is not a Curriculum Lab checkpoint (bad magic bytes)`);
  }
  const headerLength = bytes.readUInt32LE(magic.length);
  const headerEnd = magic.length + 4 + headerLength;
  const header = JSON.parse(bytes.subarray(magic.length + 4, headerEnd).toString('utf8')) as CheckpointHeader;
  return { header, state: new Uint8Array(bytes.subarray(headerEnd)) };
}
