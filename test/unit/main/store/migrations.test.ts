import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLabDatabase } from '../../../../main/store/labDatabase.ts';
import { schemaVersion } from '../../../../main/store/migrations.ts';
import { UserError } from '../../../../main/userError.ts';
import { getExperiment } from '../../../../main/store/experimentStore.ts';
import { listRuns } from '../../../../main/store/runStore.ts';
import { loadViewState, saveViewState } from '../../../../main/store/viewState.ts';

function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'lab-migrations-')), name);
}

/** A database as the first released lab wrote it, built by hand (not by the app's migrations). */
function writeVersion1Database(file: string): void {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE definitions (id INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
    CREATE TABLE experiments (id INTEGER PRIMARY KEY, definition_id INTEGER NOT NULL REFERENCES definitions(id),
      kind TEXT NOT NULL, name TEXT NOT NULL, config_json TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
      report_json TEXT, owner_pid INTEGER, owner_host TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE runs (id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id),
      plan_key TEXT NOT NULL, phase TEXT NOT NULL, label TEXT NOT NULL, trainer TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','diverged','cancelled','interrupted')),
      reason TEXT, config_json TEXT NOT NULL, seed INTEGER NOT NULL, steps INTEGER NOT NULL,
      step INTEGER NOT NULL DEFAULT 0, engine_version TEXT, backend TEXT, device TEXT, host TEXT, result_json TEXT,
      created_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER, UNIQUE (experiment_id, plan_key));
    CREATE INDEX runs_by_status ON runs(status);
    CREATE TABLE metrics (run_id INTEGER NOT NULL, name TEXT NOT NULL, step INTEGER NOT NULL,
      wall_time REAL NOT NULL, value REAL, PRIMARY KEY (run_id, name, step)) WITHOUT ROWID;
    CREATE TABLE events (id INTEGER PRIMARY KEY, experiment_id INTEGER, run_id INTEGER, time INTEGER NOT NULL,
      level TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')), message TEXT NOT NULL, data_json TEXT);
    INSERT INTO definitions VALUES (1, 'old.yaml', 'optimizer-comparison', 'kind: x', 'abc', 1);
    INSERT INTO experiments VALUES (1, 1, 'optimizer-comparison', 'old', '{}', 'completed', NULL, NULL, NULL, NULL, 0, 1, 1);
    INSERT INTO runs (id, experiment_id, plan_key, phase, label, trainer, status, config_json, seed, steps, step, created_at)
      VALUES (7, 1, 'k', 'tuning', 'sgd', 't', 'completed', '{}', 3, 10, 10, 1),
        (8, 1, 'k2', 'report', 'adam', 't', 'completed',
         '{"problem":{"name":"quadratics"},"optimizer":{"name":"adam","lr":0.01},"steps":40,"evalEvery":5,"checkpointEvery":20,"divergenceFactor":1000}',
         4, 40, 40, 1);
    INSERT INTO metrics VALUES (7, 'loss', 1, 1000.5, 0.25), (7, 'loss', 2, 1001.5, 0.125);
    PRAGMA user_version = 1;
  `);
  db.close();
}

describe('schema migrations', () => {
  it('opens a version-1 database, migrates it to the current version and keeps its data', () => {
    const file = tempFile('v1.db');
    writeVersion1Database(file);
    const lab = openLabDatabase(file);
    expect(lab.migratedFrom).toBe(1);
    expect(lab.db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    expect(schemaVersion).toBe(8);
    // Version 8 records an experiment's backend: none for those made before it.
    expect(getExperiment(lab.db, 1)?.backend).toBeNull();
    // Version 6 keeps the app's view state; version 5 records plan sizes (complete for finished experiments).
    saveViewState(lab.db, 'runs.columns', ['label', 'status']);
    expect(loadViewState(lab.db, 'runs.columns')).toEqual(['label', 'status']);
    expect(getExperiment(lab.db, 1)).toMatchObject({ runsPlanned: 2, planComplete: true });
    // Version 4 moved each run's loop out of its config; runs stored before it existed selected on val_loss.
    const runs = Object.fromEntries(listRuns(lab.db, 1).map((r) => [r.id, r]));
    expect(runs[8].config).toEqual({
      problem: { name: 'quadratics' },
      optimizer: { name: 'adam', lr: 0.01 },
    });
    expect(runs[8].loop).toEqual({ steps: 40, evalEvery: 5, checkpointEvery: 20, divergenceFactor: 1000 });
    expect(runs[7].loop).toEqual({ steps: 10, evalEvery: 10, checkpointEvery: 100, divergenceFactor: null });
    expect(runs[7].selection).toEqual({ name: 'val_loss', goal: 'min' });
    expect(runs[7].inputs).toEqual({});
    // Version 3 moved metric names into their own table; the points and their names survive.
    expect(
      lab.db.prepare('SELECT name, step, value FROM metric_points WHERE run_id = 7 ORDER BY step').all(),
    ).toEqual([
      { name: 'loss', step: 1, value: 0.25 },
      { name: 'loss', step: 2, value: 0.125 },
    ]);
    expect(lab.db.prepare('SELECT name FROM metric_names').all()).toEqual([{ name: 'loss' }]);
    // Version 2 added artifacts: usable on the migrated file, visible through the checkpoints view.
    lab.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, step, bytes, created_at) VALUES (7, 'checkpoint', 'c', 10, 5, 1)`,
      )
      .run();
    expect(lab.db.prepare('SELECT run_id, step FROM checkpoints').all()).toEqual([{ run_id: 7, step: 10 }]);
    expect(lab.db.pragma('journal_mode', { simple: true })).toBe('wal');
    lab.close();
  });

  it('creates a fresh database at the current version', () => {
    const lab = openLabDatabase(tempFile('new.db'));
    expect(lab.migratedFrom).toBe(0);
    expect(lab.db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    lab.close();
  });

  it('refuses a database written by a newer lab, naming the file, both versions and what to do, untouched', () => {
    const file = tempFile('future.db');
    const future = new Database(file);
    future.exec(`CREATE TABLE something_new (x); PRAGMA user_version = ${schemaVersion + 3};`);
    future.close();
    let message = '';
    try {
      openLabDatabase(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toContain(`schema version ${schemaVersion + 3}`);
    expect(message).toContain(`versions up to ${schemaVersion}`);
    expect(message).toMatch(/Update Curriculum Lab|--db/);
    const reopened = new Database(file);
    expect(reopened.pragma('user_version', { simple: true })).toBe(schemaVersion + 3);
    expect(reopened.pragma('journal_mode', { simple: true })).toBe('delete');
    reopened.close();
  });

  it('refuses a file that is not a database at all, naming it and what to do, untouched', () => {
    const file = tempFile('notes.db');
    const text = 'these are my notes, not a database '.repeat(20);
    writeFileSync(file, text);
    expect(() => openLabDatabase(file)).toThrow(UserError);
    expect(() => openLabDatabase(file)).toThrow(`${file} is not a lab database (not an SQLite file at all)`);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
