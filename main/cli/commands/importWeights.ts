// `lab import-weights <run> --from <file> [--framework …] [--out file]`: another framework's
// weights (a PyTorch state_dict saved as safetensors, Keras/NumPy arrays in an .npz) mapped by
// name onto a run's network (the one `lab export-model` writes), with the report of what matched,
// which layout conversion each took, what was reshaped or cast, what is missing and what the file
// has that the network does not use. A tensor of the wrong shape or dtype, a missing parameter or
// a damaged file is an error naming it. --out writes the network with the imported weights in the
// lab's own layout (safetensors), e.g. to compare it with the run's weights or to export it again.
import { writeFileSync } from 'node:fs';
import { frameworks, type Framework } from '../../../engine/io/frameworks.ts';
import { formatImportReport, importWeights } from '../../../engine/io/importWeights.ts';
import { readWeightsFile } from '../../../engine/io/weightFiles.ts';
import { defaultFramework, exportRunModel } from '../../modelExport/exportRunModel.ts';
import { loadRunModel } from '../../modelExport/runModel.ts';
import { openDatabase, runIdArgument, UsageError, type GlobalOptions } from '../labContext.ts';

export interface ImportWeightsOptions extends GlobalOptions {
  from?: string;
  framework?: string;
  out?: string;
}

export async function importWeightsCommand(
  idText: string | undefined,
  options: ImportWeightsOptions,
): Promise<number> {
  const id = runIdArgument(idText, 'import-weights');
  if (!options.from) {
    throw new UsageError('import-weights needs --from <file>: a safetensors state_dict or an .npz of arrays');
  }
  if (options.framework !== undefined && !frameworks.includes(options.framework as Framework)) {
    throw new UsageError(`--framework must be one of ${frameworks.join(', ')}, got "${options.framework}"`);
  }
  const { format, tensors } = await readWeightsFile(options.from);
  // Like export-model: a safetensors file is PyTorch's unless told, an .npz Keras's.
  const framework = (options.framework as Framework | undefined) ?? defaultFramework[format];
  const lab = openDatabase(options);
  try {
    const model = loadRunModel(lab.db, id);
    const report = importWeights(model.module, tensors, { framework, source: options.from });
    process.stdout.write(`into ${model.description}\n${formatImportReport(report)}\n`);
    if (options.out) {
      const exported = exportRunModel(model, 'safetensors', 'lab');
      writeFileSync(options.out, exported.bytes);
      process.stdout.write(
        `wrote ${options.out} (${exported.bytes.length} bytes, the lab's names and layouts)\n`,
      );
    }
    return 0;
  } finally {
    lab.close();
  }
}
