// Files a run leaves on disk (checkpoints, models), recorded so resume and export can find them.
import type { Database } from 'better-sqlite3';
import type { ArtifactRecord } from './records.ts';

interface ArtifactRow {
  id: number;
  run_id: number;
  kind: ArtifactRecord['kind'];
  path: string;
  step: number;
  bytes: number;
  created_at: number;
}

function toArtifact(row: ArtifactRow): ArtifactRecord {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    path: row.path,
    step: row.step,
    bytes: row.bytes,
    createdAt: row.created_at,
  };
}

export function recordArtifact(db: Database, artifact: Omit<ArtifactRecord, 'id' | 'createdAt'>): void {
  db.prepare(
    'INSERT INTO artifacts (run_id, kind, path, step, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(artifact.runId, artifact.kind, artifact.path, artifact.step, artifact.bytes, Date.now());
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
