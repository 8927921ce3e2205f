// Experiment kinds by the name definitions use in `kind:`. Keep in step with the `kind` enum of
// curricula/schema/definition.schema.json (a test checks they agree).
import type { ExperimentKind } from './experimentKind.ts';
import { optimizerComparison } from './optimizerComparison/kind.ts';

export const experimentKinds: ReadonlyMap<string, ExperimentKind> = new Map<string, ExperimentKind>([
  [optimizerComparison.name, optimizerComparison as unknown as ExperimentKind],
]);
