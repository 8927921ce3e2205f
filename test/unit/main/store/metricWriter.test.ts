import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLabDatabase } from '../../../../main/store/labDatabase.ts';
import { MetricWriter } from '../../../../main/store/metricWriter.ts';

const childScript = new URL('../../../fixtures/lab/metricWriterChild.ts', import.meta.url).pathname;

describe('MetricWriter', () => {
  it('commits buffered points on flush, in order, with packed batches decoded', () => {
    const lab = openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-writer-')), 'lab.db'));
    const writer = new MetricWriter(lab.db, { intervalMs: 60_000 });
    writer.add(3, 'loss', 1, 10, 0.5);
    writer.addPacked(3, ['loss', 'val_loss'], new Float64Array([0, 2, 11, 0.25, 1, 2, 11, 0.75]));
    expect(lab.db.prepare('SELECT COUNT(*) AS n FROM metrics').get()).toEqual({ n: 0 });
    expect(writer.flush()).toBe(3);
    expect(
      lab.db.prepare('SELECT name, step, wall_time, value FROM metric_points ORDER BY name, step').all(),
    ).toEqual([
      { name: 'loss', step: 1, wall_time: 10, value: 0.5 },
      { name: 'loss', step: 2, wall_time: 11, value: 0.25 },
      { name: 'val_loss', step: 2, wall_time: 11, value: 0.75 },
    ]);
    writer.close();
    expect(() => writer.add(3, 'loss', 3, 12, 1)).toThrow(/after close/);
    lab.close();
  });

  it('commits on its timer without an explicit flush', async () => {
    const lab = openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-writer-')), 'lab.db'));
    const writer = new MetricWriter(lab.db, { intervalMs: 20 });
    writer.add(1, 'loss', 1, 1, 1);
    await expect.poll(() => writer.committed, { timeout: 2000 }).toBe(1);
    writer.close();
    lab.close();
  });

  it('loses no committed point when the writing process is SIGKILLed, and the file stays intact', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lab-sigkill-')), 'lab.db');
    const child = spawn(process.execPath, [childScript, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastReported = 0;
    let commits = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        for (const match of chunk.matchAll(/committed (\d+)/g)) {
          lastReported = Number(match[1]);
          commits++;
        }
        // Kill it mid-stream, after several batches, while it is still producing.
        if (commits >= 5 && lastReported >= 20_000) resolve();
      });
    });
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = new Database(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const perName = db
      .prepare(
        'SELECT name, COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metric_points GROUP BY name ORDER BY name',
      )
      .all() as { name: string; n: number; lo: number; hi: number }[];
    const total = perName.reduce((sum, row) => sum + row.n, 0);
    expect(total).toBeGreaterThanOrEqual(lastReported);
    for (const row of perName) {
      // Whole batches or nothing: every step from 0 up to the last committed one is there.
      expect(row.lo).toBe(0);
      expect(row.n).toBe(row.hi + 1);
    }
    db.close();
  });
});
