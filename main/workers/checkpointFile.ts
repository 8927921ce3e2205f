// Checkpoint files: a small JSON header (run, step, trainer) and the trainer's opaque state.
// Written atomically, so a kill at any moment leaves either the previous checkpoint or the new
// one, never a torn file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from './atomicFile.ts';

const magic = Buffer.from('LABCKPT1');

export interface CheckpointHeader {
  runId: number;
  step: number;
  trainer: string;
  seed: number;
  /**
   * The run's first value of its selection metric (the validation loss, for the kinds so far):
   * what divergence is measured against after a resume. Named for what it held first.
   */
  firstValLoss?: number;
}

export function checkpointPath(directory: string, step: number): string {
  return join(directory, `step-${String(step).padStart(9, '0')}.ckpt`);
}

export function writeCheckpointFile(path: string, header: CheckpointHeader, state: Uint8Array): number {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  return writeFileAtomically(path, [magic, length, headerBytes, state]);
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
