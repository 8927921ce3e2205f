// Skill roadmaps in the store, versioned by name: saving a roadmap whose content is new for its
// name makes the next version; saving one that matches an existing version returns that version
// (its hash — sha256 of the roadmap's canonical JSON — identifies the content), so an experiment
// run twice on the same roadmap records the same version, and a run's config can name exactly
// the roadmap it climbed. Callers validate first (main/lab/kinds/roadmap/roadmapLibrary.ts):
// nothing here checks a roadmap's skills.
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { parseJson } from './records.ts';
import type { RoadmapSummary, RoadmapVersionRecord, StoredRoadmap } from './roadmapRecords.ts';

export type { RoadmapSummary, RoadmapVersionRecord, StoredRoadmap };

interface RoadmapRow {
  id: number;
  name: string;
  version: number;
  hash: string;
  roadmap_json: string;
  text: string | null;
  created_at: number;
}

function toRecord(row: RoadmapRow): RoadmapVersionRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    hash: row.hash,
    roadmap: parseJson(row.roadmap_json) as StoredRoadmap,
    text: row.text,
    createdAt: row.created_at,
  };
}

/** JSON with object keys sorted at every level: the same content always writes the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What is stored (and hashed) of a roadmap: its name, description and skills — not a version or hash it carries. */
export function storedRoadmap(roadmap: StoredRoadmap): StoredRoadmap {
  const { name, description, skills } = roadmap;
  return description === undefined ? { name, skills } : { name, description, skills };
}

export function roadmapHash(roadmap: StoredRoadmap): string {
  return createHash('sha256')
    .update(canonicalJson(storedRoadmap(roadmap)))
    .digest('hex');
}

/**
 * Stores `roadmap` as a version of its name: the existing version with the same content, or the
 * next version number. `text` (the YAML it came from) is kept with a new version.
 */
export function saveRoadmapVersion(
  db: Database,
  roadmap: StoredRoadmap,
  text: string | null = null,
): RoadmapVersionRecord {
  const content = storedRoadmap(roadmap);
  const hash = roadmapHash(content);
  return db.transaction(() => {
    const existing = db
      .prepare('SELECT * FROM roadmaps WHERE name = ? AND hash = ?')
      .get(content.name, hash) as RoadmapRow | undefined;
    if (existing) return toRecord(existing);
    const { latest } = db
      .prepare('SELECT MAX(version) AS latest FROM roadmaps WHERE name = ?')
      .get(content.name) as {
      latest: number | null;
    };
    const id = Number(
      db
        .prepare(
          'INSERT INTO roadmaps (name, version, hash, roadmap_json, text, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(content.name, (latest ?? 0) + 1, hash, JSON.stringify(content), text, Date.now())
        .lastInsertRowid,
    );
    return toRecord(db.prepare('SELECT * FROM roadmaps WHERE id = ?').get(id) as RoadmapRow);
  })();
}

/** A version of the roadmap `name` (the latest when `version` is left out); undefined if there is none. */
export function getRoadmapVersion(
  db: Database,
  name: string,
  version?: number,
): RoadmapVersionRecord | undefined {
  const row = (
    version === undefined
      ? db.prepare('SELECT * FROM roadmaps WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
      : db.prepare('SELECT * FROM roadmaps WHERE name = ? AND version = ?').get(name, version)
  ) as RoadmapRow | undefined;
  return row && toRecord(row);
}

/** Every version of `name`, newest first. */
export function listRoadmapVersions(db: Database, name: string): RoadmapVersionRecord[] {
  return (
    db.prepare('SELECT * FROM roadmaps WHERE name = ? ORDER BY version DESC').all(name) as RoadmapRow[]
  ).map(toRecord);
}

/** One line per roadmap name, by name: its latest version, how many versions, its skills. */
export function listRoadmaps(db: Database): RoadmapSummary[] {
  const rows = db
    .prepare(
      `SELECT r.name, r.version AS latest, r.roadmap_json, r.created_at, c.versions
         FROM roadmaps r
         JOIN (SELECT name, MAX(version) AS latest, COUNT(*) AS versions FROM roadmaps GROUP BY name) c
           ON c.name = r.name AND c.latest = r.version
        ORDER BY r.name`,
    )
    .all() as { name: string; latest: number; roadmap_json: string; created_at: number; versions: number }[];
  return rows.map((row) => ({
    name: row.name,
    latestVersion: row.latest,
    versions: row.versions,
    skills: ((parseJson(row.roadmap_json) as StoredRoadmap | null)?.skills ?? []).length,
    updatedAt: row.created_at,
  }));
}
