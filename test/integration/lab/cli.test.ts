import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { cudaBackendAvailable } from '../../../engine/backends/cuda.ts';
import { projectRoot } from '../../../native/paths.ts';
import { definitionYaml, testTrainerModule } from './labHarness.ts';

const labBin = join(projectRoot, 'bin', 'lab.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[]): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [labBin, ...args], {
    cwd: projectRoot,
    env: { ...process.env, LAB_DB: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, result };
}

const lab = (...args: string[]) => startCli(args).result;

function tempDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'lab-cli-'));
}

/** Writes a definition as `name` in a fresh directory; the lab database goes next to it. */
function writeDefinition(name: string, text: string): { file: string; db: string } {
  const dir = tempDirectory();
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, db: join(dir, 'lab.db') };
}

function query<T>(dbFile: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe('lab CLI, end to end', () => {
  it('runs the quick preset (on the test trainer), then lists, shows and exports it', async () => {
    // The preset as shipped — its grid, optimizers and steps — on the test-only trainer, with
    // fewer seeds to keep the test short.
    const preset = parseDocument(
      readFileSync(join(projectRoot, 'curricula', 'optimizers-quick.yaml'), 'utf8'),
    );
    preset.setIn(['experiment', 'problem'], { name: 'test-quadratic-1d' });
    preset.setIn(['experiment', 'tuning', 'seeds'], 1);
    preset.setIn(['experiment', 'report', 'seeds'], 2);
    const { file, db } = writeDefinition('quick.yaml', preset.toString());

    const run = await lab('run', file, '--db', db, '--trainers', testTrainerModule, '--jobs', '2');
    expect(run.stderr).toContain('✓ run 1 ');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('optimizers-quick (experiment 1): completed');
    for (const name of ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam']) {
      expect(run.stdout).toMatch(new RegExp(`│ ${name} +│`));
    }
    expect(run.stdout).toContain('final val loss (95% CI)');

    const list = await lab('list', '--db', db);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ 1 +│ optimizers-quick +│ optimizer-comparison +│ completed +│ 61\/61/);

    const show = await lab('show', '1', '--db', db);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('status      completed');
    expect(show.stdout).toMatch(/│ report +│ adam lr=/);

    const inspect = await lab('inspect', '1', '--db', db);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/^Run 1: sgd lr=1e-3 — experiment 1 \(optimizers-quick\), tuning/);
    expect(inspect.stdout).toContain('status       completed at step 100/100');
    expect(inspect.stdout).toMatch(/trainer +test-quadratic-1d, seed \d+/);
    expect(inspect.stdout).toContain('divergenceFactor: 1000');
    expect(inspect.stdout).toMatch(/│ loss +│ 100 +│ .+ @ 1 +│ .+ @ 100 +│/);
    expect(inspect.stdout).toMatch(/│ val_loss +│ 11 +│/);
    const missing = await lab('inspect', '999', '--db', db);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('there is no run 999');

    const [{ n: points }] = query<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM metrics');
    const csv = await lab('export', '1', '--csv', '--db', db);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('experiment_id,run_id,phase,label,seed,status,metric,step,wall_time_ms,value');
    expect(lines).toHaveLength(points + 1);
    const json = JSON.parse((await lab('export', '1', '--json', '--db', db)).stdout);
    expect(json.runs).toHaveLength(61);
    expect(json.experiment.report.optimizers).toHaveLength(7);
  }, 150_000);

  it('refuses a malformed definition with file, line, column and key path, exit code 1', async () => {
    const { file, db } = writeDefinition(
      'bad.yaml',
      definitionYaml({ training: '{ steps: -5 }', optimizer: '{ name: sgd }' }),
    );
    const result = await lab('run', file, '--db', db, '--trainers', testTrainerModule);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${file}:7:22: experiment.training.steps: expected an integer ≥ 1, got -5`,
    );
  });

  it('runs on the built-in engine trainers without --trainers, recording the backend', async () => {
    const { file, db } = writeDefinition(
      'engine.yaml',
      [
        'version: 1',
        'kind: optimizer-comparison',
        'experiment:',
        '  name: engine-quadratics',
        '  problem: { name: quadratics, dims: 8 }',
        '  training: { steps: 40, evalEvery: 10, checkpointEvery: 20 }',
        '  optimizers: [{ name: adam, lr: 0.1 }, { name: momentum, lr: 0.01 }]',
        '  report: { seeds: 2 }',
      ].join('\n'),
    );
    const run = await lab('run', file, '--db', db);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/│ adam +│ 0\.1 \(fixed\) +│/);
    const runs = query<{ status: string; backend: string; engine_version: string }>(
      db,
      'SELECT status, backend, engine_version FROM runs',
    );
    expect(runs).toHaveLength(4);
    for (const r of runs) {
      expect(r.status).toBe('completed');
      expect(['cpu', 'js']).toContain(r.backend);
      expect(r.engine_version).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it('computes where --backend asks, and refuses a backend this machine lacks before writing anything', async () => {
    const definition = [
      'version: 1',
      'kind: optimizer-comparison',
      'experiment:',
      '  name: backend-choice',
      '  problem: { name: quadratics, dims: 4 }',
      '  training: { steps: 10, evalEvery: 5, checkpointEvery: 10 }',
      '  optimizers: [{ name: sgd, lr: 0.1 }]',
      '  report: { seeds: 2 }',
    ].join('\n');
    // js, not the default cpu: the runs record the backend they were asked to compute on.
    const onJs = writeDefinition('js.yaml', definition);
    const js = await lab('run', onJs.file, '--db', onJs.db, '--backend', 'js');
    expect(js.code, js.stderr).toBe(0);
    expect(query<{ backend: string }>(onJs.db, 'SELECT DISTINCT backend FROM runs')).toEqual([
      { backend: 'js' },
    ]);

    const onGpu = writeDefinition('cuda.yaml', definition);
    const cuda = await lab('run', onGpu.file, '--db', onGpu.db, '--backend', 'cuda');
    if (cudaBackendAvailable()) {
      expect(cuda.code, cuda.stderr).toBe(0);
      expect(query<{ backend: string }>(onGpu.db, 'SELECT DISTINCT backend FROM runs')).toEqual([
        { backend: 'cuda' },
      ]);
    } else {
      expect(cuda.code).toBe(1);
      expect(cuda.stderr).toMatch(
        /asked to compute on cuda .* does not load on this machine: .*leave --backend out/s,
      );
      expect(existsSync(onGpu.db)).toBe(false);
    }

    const typo = await lab('run', onJs.file, '--db', onJs.db, '--backend', 'gpu');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(
      'the backend "gpu" (--backend, LAB_BACKEND or the experiment\'s choice) is not one',
    );
    // Runs that compute elsewhere (Slurm's nodes) may ask for a backend this machine lacks: the
    // experiment stores it, and every task's run spec carries it.
    const elsewhere = writeDefinition('slurm.yaml', definition);
    const stages = join(tempDirectory(), 'stages');
    const slurm = await lab(
      'slurm',
      elsewhere.file,
      '--db',
      elsewhere.db,
      '--out',
      stages,
      '--backend',
      'cuda',
    );
    expect(slurm.code, slurm.stderr).toBe(0);
    expect(query<{ backend: string }>(elsewhere.db, 'SELECT backend FROM experiments')).toEqual([
      { backend: 'cuda' },
    ]);
    const specs = readdirSync(join(stages, 'runs')).map(
      (run) =>
        JSON.parse(readFileSync(join(stages, 'runs', run, 'spec.json'), 'utf8')) as { backend?: string },
    );
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) expect(spec.backend).toBe('cuda');
    // Resuming with another backend changes it for the runs still to come.
    const resumed = await lab('resume', '1', '--db', elsewhere.db, '--backend', 'js');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('runs still to come compute on js (was cuda)');
    expect(query<{ backend: string }>(elsewhere.db, 'SELECT DISTINCT backend FROM runs')).toEqual([
      { backend: 'js' },
    ]);
    const misplaced = await lab('list', '--db', onJs.db, '--backend', 'js');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--backend goes with run, resume, worker, serve or slurm');
    // LAB_BACKEND in the environment concerns only the commands that start runs.
    const listed = spawnSync(process.execPath, [labBin, 'list', '--db', onJs.db], {
      env: { ...process.env, LAB_BACKEND: 'cuda' },
      encoding: 'utf8',
    });
    expect(listed.status, listed.stderr).toBe(0);
  });

  it('says which problems exist when a definition names an unknown one', async () => {
    const { file, db } = writeDefinition(
      'unknown.yaml',
      definitionYaml({ training: '{ steps: 5 }', optimizer: '{ name: sgd }' }),
    );
    const result = await lab('run', file, '--db', db);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /unknown problem "test-quadratic-1d": expected one of convnet, l2l-mnist, l2l-quadratics, mnist-mlp, quadratics/,
    );
  });

  it('refuses a directory, an alias bomb and deep nesting with a clear error and no stack trace', async () => {
    const db = join(tempDirectory(), 'lab.db');
    const curricula = join(projectRoot, 'curricula');
    const fixtures = join(projectRoot, 'test', 'fixtures', 'definitions', 'optimizer-comparison');
    const cases: [string, RegExp][] = [
      [`${curricula}/`, /is a directory, not a definition: give one of its YAML files, e\.g\. lab run /],
      [
        join(fixtures, 'yaml-alias-bomb.yaml'),
        /yaml-alias-bomb\.yaml:6:\d+: YAML aliases \(\*name\) here expand/,
      ],
      [
        join(fixtures, 'yaml-deep-nesting.yaml'),
        /yaml-deep-nesting\.yaml:4:\d+: nested more than 64 levels deep/,
      ],
    ];
    for (const [file, message] of cases) {
      const result = await lab('run', file, '--db', db);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    }
    const quick = join(curricula, 'optimizers-quick.yaml');
    const missingModule = await lab('run', quick, '--db', db, '--trainers', '/no/such/trainers.ts');
    expect(missingModule.stderr).toBe(
      'lab: cannot load trainer module /no/such/trainers.ts: there is no such file (check the path)\n',
    );
    const notes = join(tempDirectory(), 'notes.db');
    writeFileSync(notes, 'my notes, not a database '.repeat(10));
    const notADatabase = await lab('list', '--db', notes);
    expect(notADatabase.code).toBe(1);
    expect(notADatabase.stderr).toMatch(
      /^lab: .*notes\.db is not a lab database \(not an SQLite file at all\)/,
    );
  });

  it('resumes after the lab process is SIGKILLed: the run is interrupted, then its curve joins', async () => {
    const { file, db } = writeDefinition(
      'slow.yaml',
      definitionYaml({
        problem: 'stepDelayMs: 8',
        training: '{ steps: 150, evalEvery: 10, checkpointEvery: 20 }',
        optimizer: '{ name: nesterov, lr: 0.05 }',
        reportSeeds: 2,
      }),
    );
    const args = ['--db', db, '--trainers', testTrainerModule, '--jobs', '2'];
    const running = startCli(['run', file, ...args]);
    await expect
      .poll(() => query<{ step: number }>(db, 'SELECT MIN(step) AS step FROM checkpoints')[0]?.step ?? 0, {
        timeout: 20_000,
        interval: 50,
      })
      .toBeGreaterThanOrEqual(40);
    running.child.kill('SIGKILL');
    await running.result;

    const show = await lab('show', '1', '--db', db);
    expect(show.stdout).toContain('status      interrupted');
    expect(show.stdout).toMatch(/│ interrupted │/);

    const resumed = await lab('resume', '1', ...args);
    expect(resumed.code, resumed.stderr).toBe(0);
    const reference = await lab('run', file, ...args);
    expect(reference.code).toBe(0);
    const curve = (experiment: number, seedIndex: number) =>
      query<{ step: number; value: number }>(
        db,
        `SELECT m.step, m.value FROM metric_points m JOIN runs r ON r.id = m.run_id
         WHERE r.experiment_id = ? AND m.name = 'loss' ORDER BY r.id, m.step`,
        experiment,
      ).slice(seedIndex * 150, (seedIndex + 1) * 150);
    for (const seedIndex of [0, 1]) {
      expect(curve(1, seedIndex).map((p) => p.step)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      expect(curve(1, seedIndex)).toEqual(curve(2, seedIndex));
    }
    expect(query(db, 'SELECT * FROM pragma_integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('cancels a running experiment from another lab process', async () => {
    const { file, db } = writeDefinition(
      'slow.yaml',
      definitionYaml({
        problem: 'stepDelayMs: 20',
        training: '{ steps: 500, evalEvery: 10, checkpointEvery: 50 }',
        optimizer: '{ name: adam, lr: 0.01 }',
      }),
    );
    const running = startCli(['run', file, '--db', db, '--trainers', testTrainerModule]);
    await expect
      .poll(
        () => query<{ n: number }>(db, `SELECT COUNT(*) AS n FROM runs WHERE status = 'running'`)[0]?.n ?? 0,
        {
          timeout: 20_000,
          interval: 50,
        },
      )
      .toBeGreaterThan(0);
    const cancel = await lab('cancel', '1', '--db', db);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/Asked process \d+ to cancel experiment 1/);
    const result = await running.result;
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('integration (experiment 1): cancelled');
    expect(query<{ status: string }>(db, 'SELECT DISTINCT status FROM runs')).toEqual([
      { status: 'cancelled' },
    ]);
  });

  // npm ≥ 7 resolves the root package's own "bin" for npx; both go through bin/lab.js. The first
  // `npx lab` in a fresh clone installs the project into npx's cache as a file: dependency, which
  // runs its postinstall (the native build) once: 40–70 s on two busy cores (a fresh-clone CI run
  // timed out at 60 s), so the spawn and the test get four minutes.
  it('is reachable as `npx lab` and `npm run lab --` from the project root', () => {
    for (const [command, args] of [
      ['npx', ['lab', '--help']],
      ['npm', ['run', '--silent', 'lab', '--', '--help']],
    ] as const) {
      const result = spawnSync(command, args, { cwd: projectRoot, encoding: 'utf8', timeout: 240_000 });
      expect(result.status, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('Curriculum Lab — run and inspect experiments');
    }
  }, 250_000);

  it('stops quietly when the reader of its output goes away (`lab … | head`)', async () => {
    const { child, result } = startCli(['--help']);
    child.stdout!.destroy(); // the pipe's reader is gone before lab writes its help
    const { code, stderr } = await result;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints help, and exits 2 on a misused command', async () => {
    const help = await lab('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('lab run <file.yaml>');
    const wrong = await lab('frobnicate');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown command "frobnicate"');
    const missing = await lab('show', 'latest', '--db', join(tempDirectory(), 'lab.db'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('show needs an experiment id');
  });
});
