// Experiment kinds by the name definitions use in `kind:`. Keep in step with the `kind` enum of
// curricula/schema/definition.schema.json (a test checks they agree).
import { labKind, type LabKind } from './experimentKind.ts';
import { metaTraining } from './metaTraining/kind.ts';
import { optimizerComparison } from './optimizerComparison/kind.ts';
import { distillation } from './distillation/kind.ts';
import { roadmapKind } from './roadmap/kind.ts';

export const experimentKinds: ReadonlyMap<string, LabKind> = new Map(
  [labKind(optimizerComparison), labKind(metaTraining), labKind(distillation), labKind(roadmapKind)].map(
    (kind) => [kind.name, kind],
  ),
);

/** The kind of a stored experiment, or an error that says which kinds this lab knows. */
export function requireKind(name: string, kinds: ReadonlyMap<string, LabKind> = experimentKinds): LabKind {
  const kind = kinds.get(name);
  if (!kind) {
    throw new Error(
      `experiment kind "${name}" is unknown to this lab (it knows ${[...kinds.keys()].join(', ')}): ` +
        'was the database written by a newer Curriculum Lab?',
    );
  }
  return kind;
}
