// `lab slurm` on its generated files: there is no Slurm here, so each stage's job array script is
// checked line by line and then executed the way Slurm would run it — bash, once per array index,
// with SLURM_ARRAY_TASK_ID set. Two stages (tuning, then the report runs that depend on it), and
// the report equals the same definition's on the local pool.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../native/paths.ts';
import { testTrainerModule } from '../lab/labHarness.ts';
import { query, startLab, tempDirectory } from './queueHarness.ts';

const definition = [
  'version: 1',
  'kind: optimizer-comparison',
  'experiment:',
  '  name: slurm',
  '  seed: 5',
  '  problem: { name: test-quadratic-1d }',
  '  training: { steps: 20, evalEvery: 5, checkpointEvery: 10 }',
  '  learningRates: { min: 3e-2, max: 1e-1 }',
  '  optimizers: [{ name: sgd }]',
  '  tuning: { seeds: 1 }',
  '  report: { seeds: 2 }',
].join('\n');

/** Runs a stage's script as Slurm would: array tasks 0 … n−1, two at a time. */
async function runArray(script: string, tasks: number): Promise<void> {
  const runTask = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: String(index) } });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`task ${index}: exit ${code}\n${output}`)),
      );
    });
  for (let i = 0; i < tasks; i += 2) await Promise.all([i, i + 1].filter((t) => t < tasks).map(runTask));
}

describe('lab slurm', () => {
  it('writes a job array per stage, whose tasks execute the runs, and ends with the local report', async () => {
    const directory = tempDirectory('lab-slurm-');
    const file = join(directory, 'slurm.yaml');
    writeFileSync(file, definition);
    const shared = join(directory, 'shared');
    const db = join(directory, 'lab.db');
    const trainers = ['--trainers', testTrainerModule];
    const sbatch = ['--sbatch=--partition=cpu', '--sbatch=--time=00:10:00'];

    const [started, local] = await Promise.all([
      startLab(['slurm', file, '--out', shared, '--db', db, '--jobs', '4', ...trainers, ...sbatch]).exit,
      startLab(['run', file, '--db', join(directory, 'local.db'), ...trainers]).exit,
    ]);
    expect(local.code, local.output).toBe(0);
    expect(started.code, started.output).toBe(0);
    const stage1 = join(shared, 'stage-1.sbatch');
    expect(started.output).toContain(
      `Stage 1: 2 run(s), one array task each. Submit it:\n  sbatch ${stage1}`,
    );

    const script = readFileSync(stage1, 'utf8').split('\n');
    expect(script[0]).toBe('#!/bin/bash');
    expect(script).toEqual(
      expect.arrayContaining([
        '#SBATCH --job-name=lab-1-stage-1',
        '#SBATCH --array=0-1%4',
        `#SBATCH --output=${join(shared, 'logs', 'stage-1-%a.log')}`,
        '#SBATCH --requeue',
        '#SBATCH --partition=cpu',
        '#SBATCH --time=00:10:00',
        `exec '${join(projectRoot, 'node_modules', '.bin', 'node')}' '${join(projectRoot, 'bin', 'lab.js')}' slurm '${join(shared, 'stage-1')}' --task "$SLURM_ARRAY_TASK_ID"`,
      ]),
    );
    const tasks = JSON.parse(readFileSync(join(shared, 'stage-1', 'tasks.json'), 'utf8')) as number[];
    expect(tasks).toHaveLength(2);
    for (const runId of tasks) {
      const spec = JSON.parse(readFileSync(join(shared, 'runs', `run-${runId}`, 'spec.json'), 'utf8'));
      expect(spec).toMatchObject({
        runId,
        checkpointDirectory: join(shared, 'runs', `run-${runId}`, 'checkpoints'),
      });
    }
    expect(
      query<{ status: string; reason: string }>(db, 'SELECT status, reason FROM experiments')[0],
    ).toMatchObject({
      status: 'queued',
      reason: expect.stringMatching(
        /^waiting for Slurm: 2 run\(s\); once the array tasks have ended, run `lab slurm /,
      ),
    });

    // Before the tasks have run, an advance changes nothing.
    const early = await startLab(['slurm', shared]).exit;
    expect(early.code, early.output).toBe(0);
    expect(early.output).toContain('2 run(s) of earlier stages have not ended yet');
    expect(existsSync(join(shared, 'stage-2.sbatch'))).toBe(false);

    await runArray(stage1, 2);
    const second = await startLab(['slurm', shared]).exit;
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('Recorded the results of 2 run(s).');
    expect(second.output).toContain('Stage 2: 2 run(s)');
    await runArray(join(shared, 'stage-2.sbatch'), 2);

    const last = await startLab(['slurm', shared]).exit;
    expect(last.code, last.output).toBe(0);
    expect(last.output).toContain('slurm (experiment 1): completed');
    const report = (path: string) =>
      query<{ report_json: string }>(path, 'SELECT report_json FROM experiments')[0];
    expect(report(db).report_json).toBe(report(join(directory, 'local.db')).report_json);
    // Recorded runs leave the shared directory; each recorded the node it ran on.
    expect(readdirSync(join(shared, 'runs'))).toEqual([]);
    expect(query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM runs WHERE host IS NOT NULL')[0].n).toBe(4);
  });

  it('refuses sbatch options it cannot pass on, and a directory that is not a Slurm experiment', async () => {
    const directory = tempDirectory('lab-slurm-');
    const file = join(directory, 'slurm.yaml');
    writeFileSync(file, definition);
    const [bad, array, notSlurm] = await Promise.all([
      startLab(['slurm', file, '--out', directory, '--sbatch=partition=gpu']).exit,
      startLab(['slurm', file, '--out', directory, '--sbatch=--array=1-3']).exit,
      startLab(['slurm', directory]).exit,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('give one sbatch option per --sbatch');
    expect(array.output).toContain('the lab sets the array, output and job name itself');
    expect(notSlurm.code).toBe(1);
    expect(notSlurm.output).toContain('is not a Slurm experiment directory');
  });
});
