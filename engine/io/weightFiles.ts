// Weight files by content, not by extension: a PyTorch state_dict saved as safetensors
// (safetensors.torch.save_file) or a Keras/NumPy .npz (np.savez of the model's arrays). A file
// that is neither, or is damaged (truncated, bad header), is an error naming the file and what
// is wrong.
import { readFile } from 'node:fs/promises';
import type { NDArray } from '../core/ndarray.ts';
import { loadNpz } from './npz.ts';
import { decodeSafetensors } from './safetensors.ts';

export type WeightFileFormat = 'safetensors' | 'npz';

/** What the bytes are: npz is a zip ("PK"), safetensors a little-endian header length then "{". */
export function detectWeightFormat(bytes: Uint8Array, path: string): WeightFileFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) return 'npz';
  if (bytes.length >= 9 && bytes[8] === 0x7b) return 'safetensors';
  throw new Error(
    `${path} is neither a safetensors file (8-byte header length, then a JSON header) nor an .npz (a zip archive); ` +
      `it starts with bytes ${[...bytes.subarray(0, 9)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
  );
}

/** Every tensor of a safetensors or .npz weight file (detected from its first bytes). */
export async function readWeightsFile(
  path: string,
): Promise<{ format: WeightFileFormat; tensors: Record<string, NDArray> }> {
  const bytes = new Uint8Array(await readFile(path));
  const format = detectWeightFormat(bytes, path);
  const tensors = format === 'npz' ? await loadNpz(path) : decodeSafetensors(bytes, path).tensors;
  return { format, tensors };
}
