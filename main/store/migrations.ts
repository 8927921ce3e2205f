// The database schema as an ordered history. Migration i takes a database from version i to
// version i+1 (PRAGMA user_version); a newer app replays the missing steps on an older file,
// and an older app refuses a newer file instead of misreading it.
import type { Database } from 'better-sqlite3';
import { UserError } from '../userError.ts';

export type Migration = (db: Database) => void;

/** Version 1: definitions, experiments, runs, metrics and the event log. */
function createCoreTables(db: Database): void {
  db.exec(`
    CREATE TABLE definitions (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL,
      kind TEXT NOT NULL,
      text TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE experiments (
      id INTEGER PRIMARY KEY,
      definition_id INTEGER NOT NULL REFERENCES definitions(id),
      kind TEXT NOT NULL,
      name TEXT NOT NULL,
      config_json TEXT NOT NULL,
      status TEXT NOT NULL,
      reason TEXT,
      report_json TEXT,
      owner_pid INTEGER,
      owner_host TEXT,
      cancel_requested INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      experiment_id INTEGER NOT NULL REFERENCES experiments(id),
      plan_key TEXT NOT NULL,
      phase TEXT NOT NULL,
      label TEXT NOT NULL,
      trainer TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN
        ('queued','running','completed','failed','diverged','cancelled','interrupted')),
      reason TEXT,
      config_json TEXT NOT NULL,
      seed INTEGER NOT NULL,
      steps INTEGER NOT NULL,
      step INTEGER NOT NULL DEFAULT 0,
      engine_version TEXT,
      backend TEXT,
      device TEXT,
      host TEXT,
      result_json TEXT,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      ended_at INTEGER,
      UNIQUE (experiment_id, plan_key)
    );
    CREATE INDEX runs_by_status ON runs(status);
    -- Clustered on the chart query's key: one b-tree, no separate index to maintain on ingest.
    CREATE TABLE metrics (
      run_id INTEGER NOT NULL,
      name TEXT NOT NULL,
      step INTEGER NOT NULL,
      wall_time REAL NOT NULL,
      value REAL,
      PRIMARY KEY (run_id, name, step)
    ) WITHOUT ROWID;
    CREATE TABLE events (
      id INTEGER PRIMARY KEY,
      experiment_id INTEGER,
      run_id INTEGER,
      time INTEGER NOT NULL,
      level TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
      message TEXT NOT NULL,
      data_json TEXT
    );
    CREATE INDEX events_by_run ON events(run_id, id);
  `);
}

/** Version 2: files a run leaves behind (checkpoints, exported models). */
function createArtifactTables(db: Database): void {
  db.exec(`
    CREATE TABLE artifacts (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id),
      kind TEXT NOT NULL CHECK (kind IN ('checkpoint','model')),
      path TEXT NOT NULL,
      step INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX artifacts_by_run ON artifacts(run_id, kind, step);
    CREATE VIEW checkpoints AS
      SELECT id, run_id, step, path, bytes, created_at FROM artifacts WHERE kind = 'checkpoint';
  `);
}

/**
 * Version 3: metric names interned in their own table. Rows keyed by an integer instead of the
 * name's text are smaller and compare faster, which is most of the cost of ingesting a point.
 * The view metric_points shows the points with their names, as version 2's table did.
 */
function internMetricNames(db: Database): void {
  db.exec(`
    CREATE TABLE metric_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    INSERT INTO metric_names (name) SELECT DISTINCT name FROM metrics ORDER BY name;
    CREATE TABLE metrics_by_name_id (
      run_id INTEGER NOT NULL,
      name_id INTEGER NOT NULL REFERENCES metric_names(id),
      step INTEGER NOT NULL,
      wall_time REAL NOT NULL,
      value REAL,
      PRIMARY KEY (run_id, name_id, step)
    ) WITHOUT ROWID;
    INSERT INTO metrics_by_name_id (run_id, name_id, step, wall_time, value)
      SELECT m.run_id, n.id, m.step, m.wall_time, m.value FROM metrics m JOIN metric_names n ON n.name = m.name;
    DROP TABLE metrics;
    ALTER TABLE metrics_by_name_id RENAME TO metrics;
    CREATE VIEW metric_points AS
      SELECT m.run_id, n.name, m.step, m.wall_time, m.value FROM metrics m JOIN metric_names n ON n.id = m.name_id;
  `);
}

/**
 * Version 4: runs of every experiment kind. A run's loop (steps, evaluation, checkpoints,
 * divergence) and the metric its kind selects on move out of its config into their own columns,
 * so the config is the kind's alone; a run records the artifacts it read; artifacts get a name,
 * a format and the metadata a reader needs (a trained model's architecture). Runs stored before
 * were all optimizer comparisons, which select on the validation loss.
 */
function separateRunLoops(db: Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN loop_json TEXT;
    ALTER TABLE runs ADD COLUMN selection_json TEXT;
    ALTER TABLE runs ADD COLUMN inputs_json TEXT;
    UPDATE runs SET
      loop_json = json_object(
        'steps', COALESCE(json_extract(config_json, '$.steps'), steps),
        'evalEvery', COALESCE(json_extract(config_json, '$.evalEvery'), 10),
        'checkpointEvery', COALESCE(json_extract(config_json, '$.checkpointEvery'), 100),
        'divergenceFactor', json_extract(config_json, '$.divergenceFactor')),
      selection_json = json_object('name', 'val_loss', 'goal', 'min'),
      config_json = json_remove(config_json, '$.steps', '$.evalEvery', '$.checkpointEvery', '$.divergenceFactor');
    ALTER TABLE artifacts ADD COLUMN name TEXT;
    ALTER TABLE artifacts ADD COLUMN format TEXT;
    ALTER TABLE artifacts ADD COLUMN meta_json TEXT;
    CREATE INDEX artifacts_by_name ON artifacts(run_id, name);
  `);
}

/**
 * Version 5: how many runs an experiment needs as far as its plan knows, and whether that is all
 * of them (an optimizer comparison plans its report runs only once tuning ends), so a list can
 * say "97 of 97 so far, report runs follow" instead of a total that jumps.
 */
function recordPlanSize(db: Database): void {
  db.exec(`
    ALTER TABLE experiments ADD COLUMN runs_planned INTEGER;
    ALTER TABLE experiments ADD COLUMN plan_complete INTEGER NOT NULL DEFAULT 0;
    UPDATE experiments SET plan_complete = 1, runs_planned = (SELECT COUNT(*) FROM runs WHERE experiment_id = experiments.id)
      WHERE status = 'completed';
  `);
}

/** Version 6: the app's view state (selections, smoothing, axes), kept across restarts in both modes. */
function createViewState(db: Database): void {
  db.exec(`
    CREATE TABLE view_state (
      key TEXT PRIMARY KEY,
      value_json TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
  `);
}

/**
 * Version 7: skill roadmaps, versioned by name. Each distinct content of a name is one version
 * (its hash over the validated roadmap), so a run can record exactly which roadmap it climbed;
 * `text` keeps the YAML a version was saved from (comments and all) where there was one.
 */
function createRoadmapTables(db: Database): void {
  db.exec(`
    CREATE TABLE roadmaps (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      hash TEXT NOT NULL,
      roadmap_json TEXT NOT NULL,
      text TEXT,
      created_at INTEGER NOT NULL,
      UNIQUE (name, version),
      UNIQUE (name, hash)
    );
  `);
}

/**
 * Version 8: the backend an experiment's runs compute on, chosen when it was created (`lab run
 * --backend cuda`, the app's "Compute on"); null: the default of wherever each run executes.
 */
function recordExperimentBackend(db: Database): void {
  db.exec('ALTER TABLE experiments ADD COLUMN backend TEXT');
}

/** Index i migrates version i → i+1. Append only: never edit a migration that has shipped. */
export const migrations: readonly Migration[] = [
  createCoreTables,
  createArtifactTables,
  internMetricNames,
  separateRunLoops,
  recordPlanSize,
  createViewState,
  createRoadmapTables,
  recordExperimentBackend,
];

export const schemaVersion = migrations.length;

export class NewerDatabaseError extends UserError {
  readonly file: string;
  readonly fileVersion: number;
  constructor(file: string, fileVersion: number) {
    super(
      `The lab database ${file} has schema version ${fileVersion}, but this Curriculum Lab only knows ` +
        `versions up to ${schemaVersion}: it was written by a newer version of the lab. ` +
        `Update Curriculum Lab, or point it at another database with --db <path> or LAB_DB=<path>. ` +
        `The file was not modified.`,
    );
    this.name = 'NewerDatabaseError';
    this.file = file;
    this.fileVersion = fileVersion;
  }
}

/** Brings `db` to the current schema version, each step in its own transaction. */
export function migrateDatabase(db: Database, file: string): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > schemaVersion) throw new NewerDatabaseError(file, from);
  for (let version = from; version < schemaVersion; version++) {
    db.transaction(() => {
      migrations[version](db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return { from, to: schemaVersion };
}
