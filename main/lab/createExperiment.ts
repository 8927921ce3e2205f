// A validated definition becomes an experiment record: the YAML text is kept verbatim (by
// hash) and the resolved config — defaults filled in — is what every run is planned from. The
// kind may store what its config refers to first (a roadmap experiment's roadmap, as a version),
// all in one transaction: an experiment is stored whole or not at all.
import { resolve } from 'node:path';
import { createExperiment, saveDefinition } from '../store/experimentStore.ts';
import type { LabDatabase } from '../store/labDatabase.ts';
import type { ExperimentRecord } from '../store/records.ts';
import type { LoadedDefinition } from './loadDefinition.ts';

export function createExperimentFromDefinition(
  lab: LabDatabase,
  definition: LoadedDefinition,
  /** What its runs compute on (`labBackend` checked it here); null: the default where each runs. */
  backend: string | null = null,
): ExperimentRecord {
  return lab.db.transaction(() => {
    const definitionId = saveDefinition(
      lab.db,
      resolve(definition.file),
      definition.kind.name,
      definition.text,
    );
    return createExperiment(
      lab.db,
      definitionId,
      definition.kind.name,
      String(definition.experiment.name),
      definition.kind.prepareStore(definition.experiment, lab.db),
      backend,
    );
  })();
}
