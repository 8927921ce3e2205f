// Shared setup for the queue tests: `lab` processes (workers, coordinators) with the queue's
// credentials in their environment, waiting on their output with a deadline, and what two lab
// databases must agree on for a queued experiment to equal a local one.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../native/paths.ts';

const labBin = join(projectRoot, 'bin', 'lab.js');

export const queueUser = { name: 'lab', password: 'correct horse battery staple' };

export function tempDirectory(prefix = 'lab-queue-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment a lab process logs in to the test's Redis with: a password file, as documented. */
export function queueEnvironment(): NodeJS.ProcessEnv {
  const file = join(tempDirectory(), 'redis-password');
  writeFileSync(file, `${queueUser.password}\n`, { mode: 0o600 });
  return { LAB_REDIS_USERNAME: queueUser.name, LAB_REDIS_PASSWORD_FILE: file };
}

export interface LabProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches `pattern`; rejects after `timeoutMs` with what was printed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  /** Sends `signal` (if still running) and waits for the exit, SIGKILL after 15 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startLab(args: string[], env: NodeJS.ProcessEnv = {}): LabProcess {
  const child = spawn(process.execPath, [labBin, ...args], {
    cwd: projectRoot,
    env: { ...process.env, LAB_DB: '', LAB_QUEUE: '', LAB_REDIS_PASSWORD: '', ...env },
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: string) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })),
  );
  return {
    child,
    output: () => output,
    exit,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} in ${timeoutMs} ms; output so far:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill(signal);
      await exit;
      clearTimeout(force);
    },
  };
}

/** `count` workers named `prefix1…`, one run at a time each, ready when they say so. */
export async function startWorkers(
  count: number,
  url: string,
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
  prefix = 'w',
): Promise<LabProcess[]> {
  const workers = Array.from({ length: count }, (_, i) =>
    startLab(['worker', '--queue', url, '--jobs', '1', '--name', `${prefix}${i + 1}`, ...extra], env),
  );
  await Promise.all(workers.map((w) => w.waitFor(/Taking runs from/)));
  return workers;
}

export function query<T>(dbFile: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Every metric point of the database's experiments, by plan key (run ids and wall times aside). */
export function metricPoints(
  dbFile: string,
): { key: string; name: string; step: number; value: number | null }[] {
  return query(
    dbFile,
    `SELECT r.plan_key AS key, n.name, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id
     JOIN metric_names n ON n.id = m.name_id ORDER BY r.plan_key, n.name, m.step`,
  );
}
