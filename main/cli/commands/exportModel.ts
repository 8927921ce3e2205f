// `lab export-model <run> --format onnx|safetensors|npz [--framework …] [--out file]`: a run's
// trained network for other frameworks — ONNX (graph and weights), or its weights in PyTorch's
// (safetensors default), Keras's (npz default), Theano's or the lab's names and layouts. The file
// goes to --out, else <run-N-model>.<format> in the current directory; what was written is printed.
import { writeFileSync } from 'node:fs';
import { frameworks, type Framework } from '../../../engine/io/frameworks.ts';
import { exportRunModel, modelFormats, type ModelFormat } from '../../modelExport/exportRunModel.ts';
import { loadRunModel } from '../../modelExport/runModel.ts';
import { openDatabase, runIdArgument, UsageError, type GlobalOptions } from '../labContext.ts';

export interface ExportModelOptions extends GlobalOptions {
  format?: string;
  framework?: string;
  out?: string;
}

export function exportModelCommand(idText: string | undefined, options: ExportModelOptions): number {
  const id = runIdArgument(idText, 'export-model');
  if (!options.format || !modelFormats.includes(options.format as ModelFormat)) {
    throw new UsageError(
      `export-model needs --format ${modelFormats.join('|')}${options.format ? `, got "${options.format}"` : ''}`,
    );
  }
  if (options.framework !== undefined && !frameworks.includes(options.framework as Framework)) {
    throw new UsageError(`--framework must be one of ${frameworks.join(', ')}, got "${options.framework}"`);
  }
  if (options.framework !== undefined && options.format === 'onnx') {
    throw new UsageError(
      '--framework picks the names and layouts of a weight file (safetensors, npz); ONNX has its own',
    );
  }
  const lab = openDatabase(options);
  try {
    const model = loadRunModel(lab.db, id);
    const exported = exportRunModel(
      model,
      options.format as ModelFormat,
      options.framework as Framework | undefined,
    );
    const path = options.out ?? exported.fileName;
    writeFileSync(path, exported.bytes);
    process.stdout.write(`wrote ${path} (${exported.bytes.length} bytes)\n${exported.summary.join('\n')}\n`);
    return 0;
  } finally {
    lab.close();
  }
}
