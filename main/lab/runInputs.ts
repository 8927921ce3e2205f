// A run's inputs — artifacts of earlier runs, of this experiment (by plan key) or of any other
// (by artifact id) — resolved to files before the run starts. A missing run, artifact or file is
// a reason the run cannot start, said so a person can act on it; never a crash in its worker.
import { existsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { getArtifact, runModels } from '../store/artifactStore.ts';
import type { ArtifactRecord } from '../store/records.ts';
import { listRuns } from '../store/runStore.ts';
import type { ArtifactReference, ResolvedArtifact } from './runPlan.ts';

export type ResolvedInputs =
  | { ok: true; resolved: Record<string, ResolvedArtifact>; artifactIds: Record<string, number> }
  | { ok: false; reason: string };

function findArtifact(
  db: Database,
  experimentId: number,
  reference: ArtifactReference,
): ArtifactRecord | string {
  if ('artifactId' in reference) {
    return (
      getArtifact(db, reference.artifactId) ??
      `artifact ${reference.artifactId} is not in this lab database (\`lab inspect <run>\` lists a run's artifacts)`
    );
  }
  const producer = listRuns(db, experimentId).find((r) => r.planKey === reference.run);
  if (!producer) return `run ${reference.run} of this experiment has not been created yet`;
  if (producer.status !== 'completed' && producer.status !== 'diverged') {
    return `run ${producer.id} (${producer.label}) is ${producer.status}, so it has not left its ${reference.artifact} yet`;
  }
  const model = runModels(db, producer.id).find((a) => a.name === reference.artifact);
  if (!model) {
    const left = runModels(db, producer.id).map((a) => a.name);
    return `run ${producer.id} (${producer.label}) left no artifact named "${reference.artifact}" (it left ${left.join(', ') || 'none'})`;
  }
  return model;
}

export function resolveRunInputs(
  db: Database,
  experimentId: number,
  inputs: Readonly<Record<string, ArtifactReference>> = {},
): ResolvedInputs {
  const resolved: Record<string, ResolvedArtifact> = {};
  const artifactIds: Record<string, number> = {};
  for (const [name, reference] of Object.entries(inputs)) {
    const found = findArtifact(db, experimentId, reference);
    if (typeof found === 'string') return { ok: false, reason: `input "${name}": ${found}` };
    if (found.kind !== 'model') {
      return { ok: false, reason: `input "${name}": artifact ${found.id} is a ${found.kind}, not a model` };
    }
    if (!existsSync(found.path)) {
      return {
        ok: false,
        reason: `input "${name}": artifact ${found.id} (${found.name} of run ${found.runId}) is recorded at ${found.path}, but the file is gone`,
      };
    }
    resolved[name] = {
      artifactId: found.id,
      runId: found.runId,
      name: found.name ?? name,
      format: found.format ?? 'safetensors',
      path: found.path,
      meta: found.meta,
    };
    artifactIds[name] = found.id;
  }
  return { ok: true, resolved, artifactIds };
}
