// The distillation kind end to end through the CLI and real worker processes: a mentor run
// leaves its model, distilled students wait for it and read it, baselines do not; the report,
// `lab show`, `lab inspect` and `lab export` work for the kind; a later experiment reuses the
// trained mentor by artifact id and is refused, naming the key, when its declared architecture
// does not match; and a tiny translation experiment runs its word- and sequence-level arms.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../native/paths.ts';

const labBin = join(projectRoot, 'bin', 'lab.js');

function lab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [labBin, ...args], {
    cwd: projectRoot,
    env: { ...process.env, LAB_DB: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function query<T>(db: string, sql: string, ...params: unknown[]): T[] {
  const handle = new Database(db, { readonly: true });
  try {
    return handle.prepare(sql).all(...params) as T[];
  } finally {
    handle.close();
  }
}

const imageDefinition = (mentor: string) => `version: 1
kind: distillation
experiment:
  name: kd-integration
  seed: 5
  task: { name: mnist, trainSize: 600, validationSize: 200, testSize: 200 }
  mentor:
${mentor}
  student:
    model: { hidden: [8] }
    training: { steps: 40, evalEvery: 20, checkpointEvery: 20 }
    batchSize: 50
    optimizer: { name: adam, lr: 0.01 }
    seeds: 2
  arms:
    - name: baseline
    - name: soft
      distillation: { temperature: 4, alpha: 0.9 }
`;

const trainedMentor = `    model: { hidden: [32], inputDropout: 0.2, dropout: 0.3 }
    training: { steps: 60, evalEvery: 30 }
    batchSize: 50`;

interface RunRow {
  id: number;
  plan_key: string;
  status: string;
  started_at: number;
  ended_at: number;
}

describe('distillation, end to end', () => {
  it('trains a mentor, then students that read its model; reports, shows, inspects, exports; reuses it by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-integration-'));
    const db = join(dir, 'lab.db');
    const file = join(dir, 'kd.yaml');
    writeFileSync(file, imageDefinition(trainedMentor));
    const run = await lab('run', file, '--db', db, '--jobs', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Mentor→student distillation on MNIST');
    expect(run.stdout).toMatch(/Against the baseline on the same seeds/);

    const runs = query<RunRow>(
      db,
      'SELECT id, plan_key, status, started_at, ended_at FROM runs WHERE experiment_id = 1 ORDER BY id',
    );
    expect(runs.map((r) => r.status)).toEqual(new Array(5).fill('completed'));
    const mentor = runs.find((r) => r.plan_key === 'mentor')!;
    const soft = runs.filter((r) => r.plan_key.includes('-soft/'));
    expect(soft).toHaveLength(2);
    for (const r of soft) expect(r.started_at).toBeGreaterThanOrEqual(mentor.ended_at);
    const [model] = query<{ id: number; path: string }>(
      db,
      "SELECT id, path FROM artifacts WHERE run_id = ? AND kind = 'model'",
      mentor.id,
    );
    expect(model).toBeDefined();

    const show = await lab('show', '1', '--db', db);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Test confusion matrix');
    const inspect = await lab('inspect', String(soft[0].id), '--db', db);
    expect(inspect.stdout).toMatch(/formula: "?L = 0\.9 · T² · KL\(softmax\(z_m\/T\) ‖ softmax\(z_s\/T\)\)/);
    expect(inspect.stdout).toMatch(/loss_soft/);
    // The run as the kind sees it: beside its mentor's run, its loss split, its confusion matrix.
    expect(inspect.stdout).toContain('student of a distillation experiment');
    expect(inspect.stdout).toMatch(
      new RegExp(`run ${mentor.id} \\(mentor 784-32-10\\), its model artifact ${model.id}`),
    );
    expect(inspect.stdout).toContain('KD loss decomposition');
    expect(inspect.stdout).toMatch(
      /reuse as a mentor +│ mentor: \{ artifact: \d+, model: \{ hidden: \[8\], activation: relu \} \}/,
    );
    expect(inspect.stdout).toContain('Test accuracy of each class');
    expect(inspect.stdout).toContain('Test confusion matrix');
    // The hundred confusion cells are one line of the result and of the metrics table, not a hundred.
    expect(inspect.stdout).toContain('final_test_confusion (100 matrix cells)');
    expect(inspect.stdout).toMatch(/test_confusion_<row>_<column> +│ 100 cells/);
    expect(inspect.stdout).not.toContain('test_confusion_0_0');
    const csv = await lab('export', '1', '--csv', '--db', db);
    expect(csv.stdout).toMatch(/loss_hard/);

    // Another experiment reads the trained mentor by its artifact id (no mentor run of its own),
    // declared with the line its run's view gives for reusing it …
    const mentorView = await lab('inspect', String(mentor.id), '--db', db);
    const reuseLine = /reuse as a mentor +│ mentor: \{ (artifact: \d+), (model: \{.*\}) \}/.exec(
      mentorView.stdout,
    );
    expect(reuseLine?.slice(1)).toEqual([
      `artifact: ${model.id}`,
      'model: { hidden: [32], activation: relu }',
    ]);
    const reuseFile = join(dir, 'reuse.yaml');
    writeFileSync(reuseFile, imageDefinition(`    ${reuseLine![1]}\n    ${reuseLine![2]}`));
    const reuse = await lab('run', reuseFile, '--db', db, '--jobs', '2');
    expect(reuse.code, reuse.stderr).toBe(0);
    expect(
      query<{ n: number }>(
        db,
        "SELECT count(*) AS n FROM runs WHERE experiment_id = 2 AND plan_key = 'mentor'",
      )[0].n,
    ).toBe(0);
    // Its students' view finds the mentor's run in the first experiment through the artifact.
    const [reused] = query<{ id: number }>(
      db,
      "SELECT id FROM runs WHERE experiment_id = 2 AND plan_key LIKE '%-soft/%' ORDER BY id LIMIT 1",
    );
    const reusedInspect = await lab('inspect', String(reused.id), '--db', db);
    expect(reusedInspect.stdout).toMatch(
      new RegExp(`run ${mentor.id} \\(mentor 784-32-10\\), its model artifact ${model.id}`),
    );
    expect(reusedInspect.stdout).toContain('val accuracy: this run beside its mentor');

    // … and is refused, naming the key, when the declared architecture is not the artifact's.
    writeFileSync(
      reuseFile,
      imageDefinition(`    artifact: ${model.id}\n    model: { hidden: [1200, 1200] }`),
    );
    const wrong = await lab('run', reuseFile, '--db', db, '--jobs', '2');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout + wrong.stderr).toMatch(
      /experiment\.mentor\.model\.hidden is \[1200,1200\] but the file has \[32\]/,
    );
  }, 120_000);

  it('runs a tiny translation experiment: references, word-level KD and sequence-level KD', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-translation-'));
    const db = join(dir, 'lab.db');
    const file = join(dir, 'seqkd.yaml');
    writeFileSync(
      file,
      `version: 1
kind: distillation
experiment:
  name: seqkd-integration
  seed: 1
  task: { name: toy-translation, vocabulary: 5, minLength: 2, maxLength: 4, trainSize: 128, validationSize: 32, testSize: 32 }
  mentor:
    model: { cell: lstm, embedding: 8, hidden: 12 }
    training: { steps: 30, evalEvery: 15 }
    batchSize: 32
    optimizer: { name: adam, lr: 0.01 }
  student:
    model: { cell: gru, embedding: 4, hidden: 6 }
    training: { steps: 20, evalEvery: 10 }
    batchSize: 32
    optimizer: { name: adam, lr: 0.01 }
    seeds: 2
  arms:
    - name: baseline
    - name: word-kd
      distillation: { temperature: 1, alpha: 0.5 }
    - name: seq-kd
      sequenceTargets: beam
  decoding: { beamSize: 3, evalSentences: 16 }
`,
    );
    const run = await lab('run', file, '--db', db, '--jobs', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Mentor→student distillation on the toy translation task');
    expect(run.stdout).toContain('BLEU greedy');
    expect(run.stdout).toContain('beam sentences/s');
    const [report] = query<{ report: string }>(
      db,
      'SELECT report_json AS report FROM experiments WHERE id = 1',
    );
    const groups = (
      JSON.parse(report.report) as {
        groups: { arm: string; metrics: Record<string, { n: number } | null> }[];
      }
    ).groups;
    expect(groups.map((g) => g.arm)).toEqual(['baseline', 'word-kd', 'seq-kd']);
    for (const g of groups) expect(g.metrics.test_bleu_beam?.n).toBe(2);
    const [seqKd] = query<{ id: number }>(
      db,
      "SELECT id FROM runs WHERE plan_key LIKE '%seq-kd%' ORDER BY id LIMIT 1",
    );
    const inspect = await lab('inspect', String(seqKd.id), '--db', db);
    expect(inspect.stdout).toContain("the mentor's beam translations (seq-KD)");
    expect(inspect.stdout).toContain('val bleu greedy: this run beside its mentor');
  }, 120_000);
});
