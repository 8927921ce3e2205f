// The GPU check's lab part: what `lab run <preset> --backend cuda` computes. For each quick preset
// below — every experiment kind, and the model families their trainers build (quadratics and an
// optimizer comparison, a learned LSTM optimizer, a seq2seq mentor, sequence learners of a
// roadmap) — the first run it plans is built by its own trainer from its own config and seed
// twice, on the cpu backend and on the one asked for (LAB_BACKEND's way, as a run worker builds
// it), and trained a few steps then evaluated on each. The first step's loss must agree to
// float32 rounding (same weights, same data); later ones drift apart as rounding compounds, so
// they are printed, not compared.
import { join } from 'node:path';
import { loadDefinitionFile } from '../../main/lab/loadDefinition.ts';
import { runDependencies, type RunPlan } from '../../main/lab/runPlan.ts';
import type { LabBackendName } from '../../main/lab/backendNames.ts';
import { requireTrainer } from '../../main/lab/trainers/registry.ts';
import { curriculaDirectory } from '../../main/paths.ts';
import { appendRecord } from './results.ts';

/** The presets, and how many lab steps of their first run to take. */
export const kindPresets: readonly (readonly [string, number])[] = [
  ['optimizers-quick.yaml', 20],
  ['meta-training-quick.yaml', 5],
  ['seqkd-toy.yaml', 5],
  ['micro-tasks.yaml', 3],
  ['addition-tscl-small.yaml', 3],
];

/** The first step's losses on the two backends may differ by float32 rounding, no more. */
const FIRST_LOSS_TOLERANCE = 1e-3;

export interface KindRow {
  readonly preset: string;
  readonly trainer: string;
  readonly backend: string;
  /** Where the trainer said it computes (its run environment): must be `backend`. */
  readonly computedOn: string | null;
  readonly cpuLosses: readonly number[];
  readonly losses: readonly number[];
  readonly cpuSelection: number | null;
  readonly selection: number | null;
  readonly selectionMetric: string;
  readonly cpuSecondsPerStep: number;
  readonly secondsPerStep: number;
  readonly error: string | null;
  readonly ok: boolean;
}

async function firstRun(preset: string): Promise<RunPlan> {
  const loaded = await loadDefinitionFile(join(curriculaDirectory, preset));
  const planned = loaded.kind.open(loaded.experiment).plan(new Map()).runs;
  const run = planned.find((r) => runDependencies(r).length === 0 && !r.inputs);
  if (!run) throw new Error(`${preset} plans no run that can start on its own`);
  return run;
}

interface Trained {
  losses: number[];
  selection: number | null;
  computedOn: string;
  secondsPerStep: number;
}

/** Builds the run's trainer as a run worker would with LAB_BACKEND set to `backend`, and trains it. */
async function train(run: RunPlan, backend: LabBackendName, steps: number): Promise<Trained> {
  const before = process.env.LAB_BACKEND;
  process.env.LAB_BACKEND = backend;
  try {
    const { definition } = requireTrainer(run.trainer);
    const trainer = definition.create();
    await trainer.init(definition.runConfig.parse(structuredClone(run.config)), run.seed, {
      loop: run.loop,
      inputs: {},
    });
    // The first step lowers and compiles the programs: its loss counts, its time does not.
    const losses = [(await trainer.step()).loss];
    const started = performance.now();
    for (let i = 1; i < steps; i++) losses.push((await trainer.step()).loss);
    const secondsPerStep = (performance.now() - started) / 1000 / (steps - 1);
    const evaluation = await trainer.evaluate();
    const computedOn = trainer.environment().backend;
    trainer.dispose?.();
    return { losses, selection: evaluation[run.selection.name] ?? null, computedOn, secondsPerStep };
  } finally {
    if (before === undefined) delete process.env.LAB_BACKEND;
    else process.env.LAB_BACKEND = before;
  }
}

export async function checkKind(preset: string, steps: number, backend: LabBackendName): Promise<KindRow> {
  let run: RunPlan | undefined;
  let cpu: Trained | undefined;
  try {
    run = await firstRun(preset);
    cpu = await train(run, 'cpu', steps);
    const other = await train(run, backend, steps);
    const [first, cpuFirst] = [other.losses[0], cpu.losses[0]];
    const relative = Math.abs(first - cpuFirst) / Math.max(1e-30, Math.abs(cpuFirst));
    const ok =
      other.computedOn === backend &&
      relative <= FIRST_LOSS_TOLERANCE &&
      [...other.losses, other.selection ?? 0].every(Number.isFinite);
    return {
      preset,
      trainer: run.trainer,
      backend,
      computedOn: other.computedOn,
      cpuLosses: cpu.losses,
      losses: other.losses,
      cpuSelection: cpu.selection,
      selection: other.selection,
      selectionMetric: run.selection.name,
      cpuSecondsPerStep: cpu.secondsPerStep,
      secondsPerStep: other.secondsPerStep,
      error: ok
        ? null
        : `first-step loss ${first} vs cpu ${cpuFirst} (relative ${relative.toExponential(1)})`,
      ok,
    };
  } catch (error) {
    return {
      preset,
      trainer: run?.trainer ?? '?',
      backend,
      computedOn: null,
      cpuLosses: cpu?.losses ?? [],
      losses: [],
      cpuSelection: cpu?.selection ?? null,
      selection: null,
      selectionMetric: run?.selection.name ?? '?',
      cpuSecondsPerStep: cpu?.secondsPerStep ?? Number.NaN,
      secondsPerStep: Number.NaN,
      error: String((error as Error).stack ?? error),
      ok: false,
    };
  }
}

/** Checks every preset, appending one record each to `file` (a crash leaves the ones before). */
export async function runKindChecks(file: string, backend: LabBackendName): Promise<number> {
  for (const [preset, steps] of kindPresets) {
    const row = await checkKind(preset, steps, backend);
    console.log(
      `${preset}: ${row.ok ? 'ok' : 'FAILED'} — ${row.trainer} on ${row.computedOn ?? '—'}, losses ` +
        `${row.losses.map((l) => l.toPrecision(6)).join(' ')} (cpu ${row.cpuLosses.map((l) => l.toPrecision(6)).join(' ')})` +
        (row.error ? `\n  ${row.error}` : ''),
    );
    appendRecord(file, row);
  }
  return 0;
}
