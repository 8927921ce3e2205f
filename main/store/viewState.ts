// The app's view state (which runs are selected, smoothing, axes, column order), one JSON value
// per key, so it survives restarts in the desktop app and in browser mode alike.
import type { Database } from 'better-sqlite3';
import { parseJson } from './records.ts';

export function loadViewState(db: Database, key: string): unknown {
  const row = db.prepare('SELECT value_json FROM view_state WHERE key = ?').get(key) as
    { value_json: string } | undefined;
  return row ? parseJson(row.value_json) : null;
}

export function saveViewState(db: Database, key: string, value: unknown): void {
  db.prepare(
    `INSERT INTO view_state (key, value_json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
  ).run(key, JSON.stringify(value ?? null), Date.now());
}
