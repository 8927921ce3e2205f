// An .npz archive in memory (stored entries, as np.savez writes them), for callers that hand the
// bytes on instead of writing a file: a model sent to the app for download. np.load reads it;
// names may hold "/" (Keras's `dense/kernel`), which zip keeps as a path.
import { zipSync } from 'fflate';
import { npyHeader } from './npy.ts';
import { checkTensorName, tensorBytes, type TensorMap } from './tensor-bytes.ts';

export function encodeNpz(tensors: TensorMap): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, array] of Object.entries(tensors)) {
    checkTensorName(name, 'encodeNpz');
    const header = npyHeader(array.dtype, array.shape);
    const body = tensorBytes(array);
    const npy = new Uint8Array(header.length + body.length);
    npy.set(header);
    npy.set(body, header.length);
    entries[`${name}.npy`] = [npy, { level: 0 }];
  }
  return zipSync(entries);
}
