// `lab run` on a roadmap, end to end as a researcher types it: the scripted preset (every teacher,
// five seeds, no network — seconds) through the real CLI and worker processes. Without a terminal
// each run's line ends with its skills' mastery bars; in a terminal (a pseudo-terminal from
// util-linux's `script`) the live bars carry them; the report names the roadmap version, and
// running the same roadmap again records the same version.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../native/paths.ts';

const labBin = join(projectRoot, 'bin', 'lab.js');
const preset = join(projectRoot, 'curricula', 'roadmap-scripted-quick.yaml');

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: projectRoot, env: { ...process.env, LAB_DB: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const lab = (...args: string[]) => run(process.execPath, [labBin, ...args]);

function roadmapVersions(dbFile: string): { name: string; version: number }[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare('SELECT name, version FROM roadmaps ORDER BY version').all() as {
      name: string;
      version: number;
    }[];
  } finally {
    db.close();
  }
}

describe('lab run on a roadmap', () => {
  it('runs the scripted preset: a line per run with its skill bars, the report, one roadmap version', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'lab-roadmap-cli-')), 'lab.db');
    const first = await lab('run', preset, '--db', db, '--jobs', '2');
    expect(first.code, first.stderr).toBe(0);

    const runLines = first.stderr.split('\n').filter((line) => /^. run \d+ /.test(line));
    expect(runLines).toHaveLength(40);
    for (const line of runLines) {
      expect(line).toMatch(
        /^✓ run \d+ .+: completed at step \d+\/3000.* · s1 [█░]{5} s2 [█░]{5} s3 [█░]{5} s4 [█░]{5} s5 [█░]{5}$/,
      );
    }
    // The manual curriculum climbs the whole chain well inside the budget on every seed.
    const manual = runLines.filter((line) => line.includes(' manual '));
    expect(manual).toHaveLength(5);
    for (const line of manual) expect(line).toMatch(/every skill mastered at step \d+/);

    expect(first.stdout).toContain('Roadmap scripted-chain-5 v1: 5 skills, 8 teacher(s), 3000 steps');
    for (const teacher of ['uniform', 'manual', 'last-task-only', 'tscl-online', 'tscl-sampling', 'exp3s'])
      expect(first.stdout).toContain(teacher);
    expect(first.stdout).toContain('Accuracy matrix R — manual');
    expect(roadmapVersions(db)).toEqual([{ name: 'scripted-chain-5', version: 1 }]);

    // The same roadmap again is the same version, not a new one.
    const again = await lab('run', preset, '--db', db, '--jobs', '2');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Roadmap scripted-chain-5 v1:');
    expect(roadmapVersions(db)).toEqual([{ name: 'scripted-chain-5', version: 1 }]);
  }, 180_000);

  it('draws each skill’s mastery beside the run’s live bar in a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-roadmap-tty-'));
    const file = join(dir, 'slow.yaml');
    // Slow on purpose (a tiny learning rate, stopped after 3 s of wall time) so the bars are drawn.
    writeFileSync(
      file,
      `version: 1
kind: roadmap
experiment:
  name: slow-chain
  roadmap:
    name: slow-chain
    skills:
      - { id: first, task: { name: copy, length: 1 }, prerequisites: [], mastery: { accuracy: 0.9, window: 30 } }
      - { id: second, task: { name: copy, length: 2 }, prerequisites: [first], mastery: { accuracy: 0.9, window: 30 } }
  learner: { model: { name: scripted, rate: 0.0001, decay: 0 }, batchSize: 10 }
  teachers: [{ name: manual }]
  budget: { steps: 5000000, wallSeconds: 3 }
  evaluation: { every: 200, examples: 50 }
  seeds: 1
`,
    );
    const command = [process.execPath, labBin, 'run', file, '--db', join(dir, 'lab.db'), '--jobs', '1']
      .map((part) => `'${part}'`)
      .join(' ');
    const terminal = await run('script', ['-qec', command, '/dev/null']);
    expect(terminal.code, terminal.stdout).toBe(0);
    expect(terminal.stdout).toMatch(/first [█░]{5} second [█░]{5}/);
  }, 60_000);
});
