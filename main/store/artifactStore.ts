// Files a run leaves on disk, recorded so resume, export and other runs can find them:
// checkpoints (resume state; only the newest few are kept) and models (a trained network, a
// learned optimizer), which later runs — of any experiment — read by reference.
import type { Database } from 'better-sqlite3';
import type { ArtifactRecord } from './records.ts';
import { parseJson } from './records.ts';

interface ArtifactRow {
  id: number;
  run_id: number;
  kind: ArtifactRecord['kind'];
  name: string | null;
  format: string | null;
  path: string;
  step: number;
  bytes: number;
  meta_json: string | null;
  created_at: number;
}

function toArtifact(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    name: row.name,
    format: row.format,
    path: row.path,
    step: row.step,
    bytes: row.bytes,
    meta: (parseJson(row.meta_json) ?? {}) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export interface NewArtifact {
  runId: number;
  kind: ArtifactRecord['kind'];
  name?: string;
  format?: string;
  path: string;
  step: number;
  bytes: number;
  meta?: Record<string, unknown>;
}

/** Records an artifact; a model replaces an earlier one of the same name in the same run. Returns its id. */
export function recordArtifact(db: Database, artifact: NewArtifact): number {
  return db.transaction(() => {
    if (artifact.kind === 'model') {
      db.prepare(`DELETE FROM artifacts WHERE run_id = ? AND kind = 'model' AND name = ?`).run(
        artifact.runId,
        artifact.name ?? null,
      );
    }
    return Number(
      db
        .prepare(
          `INSERT INTO artifacts (run_id, kind, name, format, path, step, bytes, meta_json, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          artifact.runId,
          artifact.kind,
          artifact.name ?? null,
          artifact.format ?? null,
          artifact.path,
          artifact.step,
          artifact.bytes,
          artifact.meta ? JSON.stringify(artifact.meta) : null,
          Date.now(),
        ).lastInsertRowid,
    );
  })();
}

export function getArtifact(db: Database, id: number): ArtifactRecord | undefined {
  const row = db.prepare('SELECT * FROM artifacts WHERE id = ?').get(id) as ArtifactRow | undefined;
  return row && toArtifact(row);
}

/** The models a run left (not its checkpoints), by name. */
export function runModels(db: Database, runId: number): ArtifactRecord[] {
  return (
    db
      .prepare(`SELECT * FROM artifacts WHERE run_id = ? AND kind = 'model' ORDER BY name, id`)
      .all(runId) as ArtifactRow[]
  ).map(toArtifact);
}

export function latestCheckpoint(db: Database, runId: number): ArtifactRecord | undefined {
  const row = db
    .prepare(
      `SELECT * FROM artifacts WHERE run_id = ? AND kind = 'checkpoint' ORDER BY step DESC, id DESC LIMIT 1`,
    )
    .get(runId) as ArtifactRow | undefined;
  return row && toArtifact(row);
}

/** Forgets all but the newest `keep` checkpoints of a run; returns the files to delete. */
export function pruneCheckpoints(db: Database, runId: number, keep: number): string[] {
  const stale = db
    .prepare(
      `SELECT * FROM artifacts WHERE run_id = ? AND kind = 'checkpoint' ORDER BY step DESC, id DESC LIMIT -1 OFFSET ?`,
    )
    .all(runId, keep) as ArtifactRow[];
  const remove = db.prepare('DELETE FROM artifacts WHERE id = ?');
  db.transaction(() => stale.forEach((row) => remove.run(row.id)))();
  return stale.map((row) => row.path);
}
