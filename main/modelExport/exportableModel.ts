// Which model of a run `lab export-model` and LabApi.exportModel would write, decided from the
// store's records alone (no engine code, no file read), so the app offers Export model only on
// runs that have one. The same sources, in the same order, as loadRunModel (runModel.ts), which
// reads the files and says why an export it cannot do fails.
import type { ArtifactRecord, RunRecord } from '../store/records.ts';

/** What an export of this run would take its weights from (for people), or null when it has none. */
export function exportableModel(
  run: Pick<RunRecord, 'trainer'>,
  checkpoint: Pick<ArtifactRecord, 'step'> | null,
  artifacts: Pick<ArtifactRecord, 'name' | 'step' | 'meta'>[],
): string | null {
  const fromCheckpoint = checkpoint ? `the checkpoint at step ${checkpoint.step}` : null;
  const model = artifacts.find((a) => a.name === 'model');
  if (run.trainer === 'convnet') return model ? `the model artifact (step ${model.step})` : fromCheckpoint;
  if (run.trainer === 'mnist-mlp') return fromCheckpoint;
  if (model) {
    // A distillation model: MLPs export; a translation model's weights are its artifact already.
    const architecture = model.meta.architecture as { type?: unknown } | undefined;
    return architecture && architecture.type !== 'mlp' ? null : `the model artifact (step ${model.step})`;
  }
  const optimizer = artifacts.find((a) => a.name === 'optimizer');
  return optimizer ? `the learned optimizer (step ${optimizer.step})` : null;
}
