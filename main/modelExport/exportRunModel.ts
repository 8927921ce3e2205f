// A run's model in the format another framework reads: ONNX (the inference graph with its
// weights, checked by any ONNX runtime), safetensors (a PyTorch state_dict by default — the
// twin's names and layouts, its Python source in the metadata), or .npz (Keras names and
// layouts by default). `framework` picks the names and layouts of the weight files
// (engine/io/frameworks.ts); ONNX has its own.
import { exportWeights } from '../../engine/io/exportWeights.ts';
import type { Framework } from '../../engine/io/frameworks.ts';
import { encodeNpz } from '../../engine/io/npzBytes.ts';
import { exportOnnx } from '../../engine/io/onnx/exportOnnx.ts';
import { encodeSafetensors } from '../../engine/io/safetensors.ts';
import { engineVersion } from '../../engine/info.ts';
import type { RunModel } from './runModel.ts';

export type ModelFormat = 'onnx' | 'safetensors' | 'npz';

export const modelFormats: readonly ModelFormat[] = ['onnx', 'safetensors', 'npz'];

/** The framework whose names and layouts a weight file gets unless told. */
export const defaultFramework: Readonly<Record<Exclude<ModelFormat, 'onnx'>, Framework>> = {
  safetensors: 'pytorch',
  npz: 'keras',
};

export interface ExportedModel {
  bytes: Uint8Array;
  fileName: string;
  mediaType: string;
  /** Lines for people: what was written, in which layout, how to load it. */
  summary: string[];
}

export function exportRunModel(model: RunModel, format: ModelFormat, framework?: Framework): ExportedModel {
  const metadata = { 'curriculum-lab': engineVersion, model: model.description };
  if (format === 'onnx') {
    if (framework !== undefined) {
      throw new Error(`--framework applies to weight files (safetensors, npz); ONNX has its own layout`);
    }
    const { fn, inputNames, outputNames } = model.inference();
    const exported = exportOnnx(fn, { inputNames, outputNames, metadata, docString: model.description });
    const describe = (vs: typeof exported.inputs): string =>
      vs.map((v) => `${v.name} ${v.dtype}[${v.shape.join(', ')}]`).join(', ');
    return {
      bytes: exported.bytes,
      fileName: `${model.fileStem}.onnx`,
      mediaType: 'application/octet-stream',
      summary: [
        `ONNX model (opset ${exported.opset}) of ${model.description}`,
        `  inputs: ${describe(exported.inputs)}; outputs: ${describe(exported.outputs)}`,
        `  operators: ${Object.entries(exported.operators)
          .map(([op, n]) => `${op} ×${n}`)
          .join(', ')}`,
      ],
    };
  }
  const layout = framework ?? defaultFramework[format];
  const tensors = exportWeights(model.module, layout);
  const names = Object.keys(tensors);
  const summary = [
    `${names.length} tensors of ${model.description}, in ${layout}'s names and layouts: ${names.join(', ')}`,
  ];
  if (layout === 'pytorch' && model.torchSource) {
    summary.push(`  PyTorch: model = ${model.torchSource}; model.load_state_dict(state_dict)`);
  }
  if (format === 'safetensors') {
    const meta: Record<string, string> = { ...metadata, framework: layout };
    if (model.torchSource) meta.pytorch = model.torchSource;
    return {
      bytes: encodeSafetensors(tensors, meta),
      fileName: `${model.fileStem}.safetensors`,
      mediaType: 'application/octet-stream',
      summary,
    };
  }
  return {
    bytes: encodeNpz(tensors),
    fileName: `${model.fileStem}.npz`,
    mediaType: 'application/octet-stream',
    summary,
  };
}
