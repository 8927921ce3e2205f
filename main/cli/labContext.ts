// What every command needs: the database (--db, LAB_DB or the user data directory) and the
// trainers (built-in ones plus any --trainers modules).
import { defaultDatabasePath } from '../store/dataDirectory.ts';
import { openLabDatabase, type LabDatabase } from '../store/labDatabase.ts';
import { registerBuiltinTrainers, registerTrainerModule } from '../lab/trainers/registry.ts';

export interface GlobalOptions {
  db?: string;
  trainers?: string[];
  /** `--backend` or LAB_BACKEND, checked (main.ts): what new experiments' runs compute on. */
  backend?: string;
}

export async function loadTrainers(options: GlobalOptions): Promise<void> {
  await registerBuiltinTrainers();
  for (const module of options.trainers ?? []) await registerTrainerModule(module);
}

export function openDatabase(options: GlobalOptions): LabDatabase {
  return openLabDatabase(options.db ?? defaultDatabasePath());
}

/** Parses an experiment id argument, or explains what was expected. */
function idArgument(value: string | undefined, command: string, what: string): number {
  const id = Number(value);
  if (value === undefined || !Number.isInteger(id) || id <= 0) {
    throw new UsageError(`${command} needs ${what}${value === undefined ? '' : `, got "${value}"`}`);
  }
  return id;
}

export function experimentIdArgument(value: string | undefined, command: string): number {
  return idArgument(value, command, 'an experiment id (a number, as shown by `lab list`)');
}

export function runIdArgument(value: string | undefined, command: string): number {
  return idArgument(value, command, 'a run id (a number, as shown by `lab show <experiment>`)');
}

/** A mistake in how the CLI was called: reported with the usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
