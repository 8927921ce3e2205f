// The lab's log: what happened to experiments and runs, for `lab show` and the renderer.
import type { Database } from 'better-sqlite3';
import type { EventRecord } from './records.ts';
import { parseJson } from './records.ts';

export interface NewEvent {
  experimentId?: number | null;
  runId?: number | null;
  level: EventRecord['level'];
  message: string;
  data?: unknown;
}

export function logEvent(db: Database, event: NewEvent): void {
  db.prepare(
    'INSERT INTO events (experiment_id, run_id, time, level, message, data_json) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(
    event.experimentId ?? null,
    event.runId ?? null,
    Date.now(),
    event.level,
    event.message,
    event.data === undefined ? null : JSON.stringify(event.data),
  );
}

interface EventRow {
  id: number;
  experiment_id: number | null;
  run_id: number | null;
  time: number;
  level: EventRecord['level'];
  message: string;
  data_json: string | null;
}

/** The latest events of an experiment, oldest first. */
export function listEvents(db: Database, experimentId: number, limit = 200): EventRecord[] {
  const rows = db
    .prepare('SELECT * FROM events WHERE experiment_id = ? ORDER BY id DESC LIMIT ?')
    .all(experimentId, limit) as EventRow[];
  return toEvents(rows);
}

/** The latest events of one run, oldest first. */
export function listRunEvents(db: Database, runId: number, limit = 200): EventRecord[] {
  const rows = db
    .prepare('SELECT * FROM events WHERE run_id = ? ORDER BY id DESC LIMIT ?')
    .all(runId, limit) as EventRow[];
  return toEvents(rows);
}

function toEvents(rows: EventRow[]): EventRecord[] {
  return rows.reverse().map((row) => ({
    id: row.id,
    experimentId: row.experiment_id,
    runId: row.run_id,
    time: row.time,
    level: row.level,
    message: row.message,
    data: parseJson(row.data_json),
  }));
}
