// Types for the part of better-sqlite3 the lab uses. The package ships no declarations and
// @types/better-sqlite3 is not a dependency of this project; when it becomes one, delete this.
declare module 'better-sqlite3' {
  namespace BetterSqlite3 {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }

    interface Statement<Params extends unknown[] = unknown[]> {
      run(...params: Params): RunResult;
      get(...params: Params): unknown;
      all(...params: Params): unknown[];
      iterate(...params: Params): IterableIterator<unknown>;
      raw(toggle?: boolean): this;
    }

    interface Transaction<F extends (...args: never[]) => unknown> {
      (...args: Parameters<F>): ReturnType<F>;
      deferred(...args: Parameters<F>): ReturnType<F>;
      immediate(...args: Parameters<F>): ReturnType<F>;
      exclusive(...args: Parameters<F>): ReturnType<F>;
    }

    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      timeout?: number;
    }

    interface Database {
      readonly name: string;
      readonly open: boolean;
      readonly inTransaction: boolean;
      prepare<Params extends unknown[] = unknown[]>(source: string): Statement<Params>;
      exec(source: string): this;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>;
      close(): this;
    }

    interface DatabaseConstructor {
      new (filename: string, options?: Options): Database;
      (filename: string, options?: Options): Database;
    }
  }

  const Database: BetterSqlite3.DatabaseConstructor;
  // Lets `import type { Database, Statement } from 'better-sqlite3'` name the instance types.
  namespace Database {
    type Database = BetterSqlite3.Database;
    type Statement<Params extends unknown[] = unknown[]> = BetterSqlite3.Statement<Params>;
  }
  export = Database;
}
