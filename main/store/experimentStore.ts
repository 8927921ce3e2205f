// Definitions (the YAML a researcher ran, kept verbatim) and experiments (one execution of a
// definition, with its resolved config, status, owner process and final report).
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { DefinitionRecord, ExperimentRecord, ExperimentStatus } from './records.ts';
import { parseJson } from './records.ts';

interface ExperimentRow {
  id: number;
  definition_id: number;
  kind: string;
  name: string;
  config_json: string;
  status: ExperimentStatus;
  reason: string | null;
  report_json: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  cancel_requested: number;
  runs_planned: number | null;
  plan_complete: number;
  backend: string | null;
  created_at: number;
  updated_at: number;
}

function toExperiment(row: ExperimentRow): ExperimentRecord {
  return {
    id: row.id,
    definitionId: row.definition_id,
    kind: row.kind,
    name: row.name,
    config: parseJson(row.config_json),
    status: row.status,
    reason: row.reason,
    report: parseJson(row.report_json),
    ownerPid: row.owner_pid,
    ownerHost: row.owner_host,
    cancelRequested: row.cancel_requested !== 0,
    runsPlanned: row.runs_planned,
    planComplete: row.plan_complete !== 0,
    backend: row.backend,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Stores a definition's text once per content hash; returns its id. */
export function saveDefinition(db: Database, path: string, kind: string, text: string): number {
  const hash = createHash('sha256').update(text).digest('hex');
  const existing = db.prepare('SELECT id FROM definitions WHERE hash = ?').get(hash) as
    { id: number } | undefined;
  if (existing) return existing.id;
  return Number(
    db
      .prepare('INSERT INTO definitions (path, kind, text, hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(path, kind, text, hash, Date.now()).lastInsertRowid,
  );
}

export function getDefinition(db: Database, id: number): DefinitionRecord | undefined {
  const row = db.prepare('SELECT * FROM definitions WHERE id = ?').get(id) as
    (Omit<DefinitionRecord, 'createdAt'> & { created_at: number }) | undefined;
  return (
    row && {
      id: row.id,
      path: row.path,
      kind: row.kind,
      text: row.text,
      hash: row.hash,
      createdAt: row.created_at,
    }
  );
}

export function createExperiment(
  db: Database,
  definitionId: number,
  kind: string,
  name: string,
  config: unknown,
  backend: string | null = null,
): ExperimentRecord {
  const now = Date.now();
  const id = Number(
    db
      .prepare(
        `INSERT INTO experiments (definition_id, kind, name, config_json, status, backend, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)`,
      )
      .run(definitionId, kind, name, JSON.stringify(config), backend, now, now).lastInsertRowid,
  );
  return getExperiment(db, id)!;
}

/** Changes what an experiment's remaining runs compute on (`lab resume --backend`); finished runs keep theirs. */
export function setExperimentBackend(db: Database, id: number, backend: string | null): void {
  db.prepare('UPDATE experiments SET backend = ?, updated_at = ? WHERE id = ?').run(backend, Date.now(), id);
}

export function getExperiment(db: Database, id: number): ExperimentRecord | undefined {
  const row = db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRow | undefined;
  return row && toExperiment(row);
}

/** Newest first. */
export function listExperiments(db: Database, limit = 100): ExperimentRecord[] {
  return (db.prepare('SELECT * FROM experiments ORDER BY id DESC LIMIT ?').all(limit) as ExperimentRow[]).map(
    toExperiment,
  );
}

/** Marks this process as the one executing the experiment (cancel requests reach it via the db). */
export function claimExperiment(db: Database, id: number): void {
  db.prepare(
    `UPDATE experiments SET status = 'running', reason = NULL, owner_pid = ?, owner_host = ?,
     cancel_requested = 0, updated_at = ? WHERE id = ?`,
  ).run(process.pid, hostname(), Date.now(), id);
}

export function finishExperiment(
  db: Database,
  id: number,
  status: ExperimentStatus,
  reason: string | null,
  report?: unknown,
): void {
  db.prepare(
    `UPDATE experiments SET status = ?, reason = ?, report_json = COALESCE(?, report_json), owner_pid = NULL,
     updated_at = ? WHERE id = ?`,
  ).run(status, reason, report === undefined ? null : JSON.stringify(report), Date.now(), id);
}

/** What the experiment's latest plan says: how many runs it needs so far, and whether that is all. */
export function recordPlanSize(db: Database, id: number, runsPlanned: number, complete: boolean): void {
  db.prepare('UPDATE experiments SET runs_planned = ?, plan_complete = ? WHERE id = ?').run(
    runsPlanned,
    complete ? 1 : 0,
    id,
  );
}

export function requestExperimentCancel(db: Database, id: number): void {
  db.prepare('UPDATE experiments SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(Date.now(), id);
}

export function isCancelRequested(db: Database, id: number): boolean {
  const row = db.prepare('SELECT cancel_requested FROM experiments WHERE id = ?').get(id) as
    { cancel_requested: number } | undefined;
  return row?.cancel_requested === 1;
}
