import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDatabasePath, userCacheDirectory } from '../../../../main/store/dataDirectory.ts';
import { createExperiment, getExperiment, saveDefinition } from '../../../../main/store/experimentStore.ts';
import { openLabDatabase } from '../../../../main/store/labDatabase.ts';
import { ensureRun, getRun } from '../../../../main/store/runStore.ts';

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('openLabDatabase', () => {
  it('marks runs left running by a dead lab process interrupted, and leaves a live owner’s runs alone', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lab-orphans-')), 'lab.db');
    const first = openLabDatabase(file);
    const definition = saveDefinition(first.db, 'x.yaml', 'optimizer-comparison', 'text');
    const plan = {
      planKey: 'a',
      phase: 'tuning',
      label: 'sgd',
      trainer: 't',
      config: {},
      loop: { steps: 10, evalEvery: 5, checkpointEvery: 5, divergenceFactor: null },
      selection: { name: 'val_loss', goal: 'min' as const },
      seed: 1,
    };
    const owners = [deadPid(), process.pid];
    const ids = owners.map((pid) => {
      const experiment = createExperiment(first.db, definition, 'optimizer-comparison', 'e', {});
      first.db
        .prepare(`UPDATE experiments SET status = 'running', owner_pid = ?, owner_host = ? WHERE id = ?`)
        .run(pid, hostname(), experiment.id);
      const run = ensureRun(first.db, experiment.id, plan);
      first.db.prepare(`UPDATE runs SET status = 'running' WHERE id = ?`).run(run.id);
      return { experiment: experiment.id, run: run.id };
    });
    first.close();

    const second = openLabDatabase(file);
    expect(getRun(second.db, ids[0].run)?.status).toBe('interrupted');
    expect(getRun(second.db, ids[0].run)?.reason).toMatch(/stopped unexpectedly/);
    expect(getExperiment(second.db, ids[0].experiment)?.status).toBe('interrupted');
    expect(getRun(second.db, ids[1].run)?.status).toBe('running');
    expect(getExperiment(second.db, ids[1].experiment)?.status).toBe('running');
    second.close();
  });

  it('keeps caches in the platform’s user cache directory', () => {
    expect(userCacheDirectory({ XDG_CACHE_HOME: '/xdg-cache' }, 'linux')).toBe('/xdg-cache/curriculum-lab');
    expect(userCacheDirectory({}, 'linux')).toBe(join(homedir(), '.cache/curriculum-lab'));
    expect(userCacheDirectory({}, 'darwin')).toBe(join(homedir(), 'Library/Caches/curriculum-lab'));
  });

  it('finds the database in LAB_DB, else in the platform’s user data directory', () => {
    expect(defaultDatabasePath({ LAB_DB: '/data/mine.db' }, 'linux')).toBe('/data/mine.db');
    expect(defaultDatabasePath({ XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/curriculum-lab/lab.db');
    expect(defaultDatabasePath({ XDG_DATA_HOME: 'relative' }, 'linux')).toBe(
      join(homedir(), '.local/share/curriculum-lab/lab.db'),
    );
    expect(defaultDatabasePath({}, 'darwin')).toBe(
      join(homedir(), 'Library/Application Support/curriculum-lab/lab.db'),
    );
    expect(defaultDatabasePath({ APPDATA: 'C:\\Users\\r\\AppData\\Roaming' }, 'win32')).toBe(
      join('C:\\Users\\r\\AppData\\Roaming', 'curriculum-lab', 'lab.db'),
    );
  });
});
