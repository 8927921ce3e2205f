/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Benchmark: the app while runs stream. Eight runs in worker processes each report 1,000 points
// a second; browser mode (main/server) serves them to Debian's Chromium, whose Compare page draws
// one live curve per run. Prints, from the page's own clock:
//   - latency: from a point being recorded in its worker (its stored wall time) to a frame in
//     which the chart holds it — p50 / p95 (goal p95 < 250 ms);
//   - frame time while streaming (requestAnimationFrame intervals) — p50 / p95 (goal p95 < 50 ms).
//
//   node bench/app.ts [seconds]          (npm run bench runs it as a section)
//
// This file is also the trainer module its workers import (guarded by import.meta.main).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { createLabService } from '../main/api/labService.ts';
import { registerTrainerModule } from '../main/lab/trainers/registry.ts';
import { CountingTrainer, countingTrainer } from './countingTrainer.ts';
import { projectRoot, rendererDistDirectory } from '../main/paths.ts';
import { createLabServer } from '../main/server/labServer.ts';
import { launchChromium } from '../test/e2e/chromium.ts';

const pointsPerSecond = 1000;
const streams = 8;

/** One cheap point per step, paced to `pointsPerSecond`: the cost measured is the app's. */
class StreamTrainer extends CountingTrainer {
  private started = 0;

  init(): void {
    this.started = performance.now();
  }

  step() {
    this.steps++;
    // Sleep until this step is due: a steady 1,000 points/s per run, not as fast as possible.
    const due = this.started + (this.steps * 1000) / pointsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    return { loss: 1 / Math.sqrt(this.steps) + 0.01 * Math.sin(this.steps / 50) };
  }

  evaluate() {
    return { val_loss: 1 / Math.sqrt(this.steps + 1) };
  }
}

export const trainers = [
  countingTrainer('bench-stream', 'Benchmark only: 1,000 points per second', () => new StreamTrainer()),
];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 12);
  const directory = mkdtempSync(join(tmpdir(), 'lab-bench-app-'));
  await build({ configFile: join(projectRoot, 'renderer', 'vite.config.ts'), logLevel: 'error' });
  await registerTrainerModule(fileURLToPath(import.meta.url));
  const dbPath = join(directory, 'lab.db');
  const service = createLabService({
    dbPath,
    poolSize: streams,
    curricula: { user: join(directory, 'user') },
  });
  const token = randomBytes(32).toString('hex');
  const server = await createLabServer({
    api: service,
    host: '127.0.0.1',
    port: 0,
    token,
    rendererDirectory: rendererDistDirectory,
  });
  const browser = await launchChromium(chromium);
  try {
    const steps = (seconds + 10) * pointsPerSecond;
    const created = await service.createExperiment(
      [
        'version: 1',
        'kind: optimizer-comparison',
        'experiment:',
        '  name: app-benchmark',
        '  problem: { name: bench-stream }',
        `  training: { steps: ${steps}, evalEvery: 1000, checkpointEvery: ${steps} }`,
        '  optimizers: [{ name: sgd, lr: 0.1 }]',
        `  report: { seeds: ${streams} }`,
      ].join('\n'),
      'app-benchmark.yaml',
    );
    if (!created.ok) throw new Error(created.problems.map((p) => p.message).join('\n'));
    const db = new Database(dbPath, { readonly: true });
    const runIds = async (): Promise<number[]> => {
      for (;;) {
        const rows = db.prepare(`SELECT id FROM runs WHERE status = 'running'`).all() as { id: number }[];
        if (rows.length === streams) return rows.map((r) => r.id);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const ids = await runIds();
    await service.saveViewState('compare.groupBy', 'run');
    await service.saveViewState('compare.metric', 'loss');
    await service.saveViewState('compare.yScale', 'linear');
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${server.url}/?token=${token}#/compare?runs=${ids.join(',')}`);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=metric-chart] canvas').length > 0,
      undefined,
      { timeout: 30_000 },
    );
    // From inside the page: each frame, the newest step each curve holds, and the frame interval.
    await page.evaluate(() => {
      const w = window as unknown as { benchSeen: [string, number, number][]; benchFrames: number[] };
      w.benchSeen = [];
      w.benchFrames = [];
      const last = new Map<string, number>();
      let previous = performance.now();
      const frame = (now: number) => {
        w.benchFrames.push(now - previous);
        previous = now;
        const canvas = document.querySelector('[data-testid=metric-chart] canvas') as unknown as {
          labChart?: { data: { datasets: { label?: string; data: { x: number }[] }[] } };
        };
        for (const d of canvas?.labChart?.data.datasets ?? []) {
          const x = d.data.at(-1)?.x;
          if (x !== undefined && x !== last.get(d.label ?? '')) {
            last.set(d.label ?? '', x);
            w.benchSeen.push([d.label ?? '', x, Date.now()]);
          }
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const { seen, frames } = await page.evaluate(() => {
      const w = window as unknown as { benchSeen: [string, number, number][]; benchFrames: number[] };
      return { seen: w.benchSeen, frames: w.benchFrames };
    });
    // A curve's label is its run's (`<label> (run <id>)`): the point's wall time comes from the store.
    const wallTime = db.prepare(
      `SELECT m.wall_time FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE m.run_id = ? AND n.name = 'loss' AND m.step = ?`,
    );
    const latencies = seen.flatMap(([label, step, seenAt]) => {
      const run = /\(run (\d+)\)/.exec(label)?.[1];
      const row = run && (wallTime.get(Number(run), step) as { wall_time: number } | undefined);
      return row ? [seenAt - row.wall_time] : [];
    });
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number };
    db.close();
    console.log(
      `app while ${streams} runs stream ${pointsPerSecond} points/s each (browser mode, Chromium, ${seconds} s)`,
    );
    console.log(`  points stored: ${n.toLocaleString('en-US')}; curve updates seen: ${latencies.length}`);
    if (latencies.length > 0) {
      console.log(
        `  latency worker → drawn: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms  (goal p95 < 250 ms)`,
      );
    }
    console.log(
      `  frame time: p50 ${percentile(frames, 50).toFixed(1)} ms, p95 ${percentile(frames, 95).toFixed(1)} ms over ${frames.length} frames  (goal p95 < 50 ms)`,
    );
    console.log(
      `  load average (1 min) at the end: ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`,
    );
    await page.close();
  } finally {
    await browser.close();
    await server.close();
    await service.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

// Not a top-level await: main() imports this very module as the trainer module.
if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
