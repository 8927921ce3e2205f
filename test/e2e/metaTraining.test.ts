/// <reference lib="dom" />
// Learned optimizers in the app, browser mode (Debian's Chromium against a real lab): the quick
// meta-training preset started from New experiment; its report on the experiment page (the
// learned optimizer beside the tuned baselines with intervals, per meta-training seed, Welch's
// test, loss curves with bands on a log axis, the validation curves of meta-training); a
// meta-training run's detail page with its meta-loss and validation curves as stored, and its
// optimizer artifact with the line that uses it; then that artifact as an optimizer in an
// optimizer comparison, ranked with Adam. Screenshots under test-results/screenshots.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabPage, queryLab, screenshot, startLabApp, type LabApp } from './labApp.ts';

let app: LabApp;

beforeAll(async () => {
  app = await startLabApp({ poolSize: 2 });
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const query = <T>(sql: string, ...params: unknown[]) => queryLab<T>(app, sql, ...params);

/** Every Chart.js chart on the page: its datasets (label, filled or not, points) and y scale. */
function charts(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=metric-chart] canvas')].map((canvas) => {
      const chart = (
        canvas as unknown as {
          labChart?: {
            data: { datasets: { label?: string; data: { x: number; y: number | null }[]; fill?: unknown }[] };
            options: { scales?: { y?: { type?: string } } };
          };
        }
      ).labChart;
      return {
        yScale: chart?.options.scales?.y?.type ?? '',
        datasets: (chart?.data.datasets ?? []).map((d) => ({
          label: d.label ?? '',
          filled: (d.fill ?? false) !== false,
          points: d.data.map((p) => [p.x, p.y] as const),
        })),
      };
    }),
  );
}

describe('learned optimizers in the app', () => {
  let experimentId = 0;

  it('runs the quick meta-training preset from New experiment and shows its report', async () => {
    const page = await openLabPage(app, '#/new');
    await page.locator('[data-preset="meta-training-quick.yaml"]').click();
    await expect.poll(() => page.getByTestId('validation').textContent()).toBe('valid');
    await page.getByTestId('start').click();
    await page.waitForURL(/#\/experiments\/\d+$/);
    experimentId = Number(/experiments\/(\d+)/.exec(page.url())![1]);
    await app.service.whenIdle();
    const [experiment] = query<{ status: string }>(
      'SELECT status FROM experiments WHERE id = ?',
      experimentId,
    );
    expect(experiment.status).toBe('completed');

    await page.reload();
    const report = page.getByTestId('report');
    await report.waitFor();
    const text = (await report.textContent()) ?? '';
    expect(text).toContain('Meta-training (l2l-paper)');
    expect(text).toContain('final loss (95% CI)');
    expect(text).toContain('learned (lstm 2×20, log-sign p=10, ×0.1)');
    for (const row of ['meta-train seed 1', 'meta-train seed 2', 'sgd', 'adam']) expect(text).toContain(row);
    expect(text).toMatch(
      /Welch's t-test on log10 final loss, learned \(pooled over seeds\) vs the best baseline/,
    );
    expect(text).toMatch(/the same test for the best-validated optimizer alone \(meta-train seed [12],/);
    expect(text).toContain('best val loss');

    // The test-problem curves: the learned optimizer and both baselines, each with a 95 % band,
    // on a log axis; and one validation curve per meta-training seed.
    await expect.poll(async () => (await charts(page)).length).toBe(2);
    const [curves, validation] = await charts(page);
    expect(curves.yScale).toBe('logarithmic');
    const lines = curves.datasets.filter((d) => !d.filled && d.points.length > 0).map((d) => d.label);
    expect(lines).toEqual(
      expect.arrayContaining(['sgd', 'adam', 'learned (lstm 2×20, log-sign p=10, ×0.1)']),
    );
    expect(curves.datasets.some((d) => d.filled)).toBe(true);
    expect(validation.datasets.filter((d) => d.label.startsWith('seed ')).map((d) => d.label)).toEqual([
      'seed 1',
      'seed 2',
    ]);
    await screenshot(page, 'meta-training-report');
    await page.close();
  }, 300_000);

  it('shows a meta-training run: meta-loss and validation curves as stored, the optimizer and how to use it', async () => {
    const [run] = query<{ id: number }>(
      `SELECT id FROM runs WHERE experiment_id = ? AND phase = 'meta-train' ORDER BY id LIMIT 1`,
      experimentId,
    );
    const [artifact] = query<{ id: number }>(
      `SELECT id FROM artifacts WHERE run_id = ? AND kind = 'model' AND name = 'optimizer'`,
      run.id,
    );
    const page = await openLabPage(app, `#/runs/${run.id}`);
    await page.locator('[data-metric="val_loss"] canvas').waitFor();
    await page.locator('[data-metric="loss"] canvas').waitFor();
    const drawn = async (name: string) =>
      (await charts(page)).flatMap((c) => c.datasets).find((d) => d.label === name)?.points ?? [];
    for (const name of ['loss', 'val_loss']) {
      const stored = query<{ step: number; value: number }>(
        'SELECT step, value FROM metric_points WHERE run_id = ? AND name = ? ORDER BY step',
        run.id,
        name,
      );
      expect(stored.length).toBeGreaterThan(1);
      await expect.poll(async () => (await drawn(name)).length).toBe(stored.length);
      expect(await drawn(name)).toEqual(stored.map((p) => [p.step, p.value]));
    }
    expect(await page.getByTestId('learned-optimizer-use').textContent()).toContain(
      `optimizer: { name: learned, artifact: ${artifact.id} }`,
    );
    await screenshot(page, 'meta-training-run');
    await page.close();
  });

  it('ranks the meta-trained optimizer, given by its artifact id, against Adam in an optimizer comparison', async () => {
    const [artifact] = query<{ id: number }>(
      `SELECT a.id FROM artifacts a JOIN runs r ON r.id = a.run_id
       WHERE r.experiment_id = ? AND a.name = 'optimizer' ORDER BY a.id LIMIT 1`,
      experimentId,
    );
    const created = await app.service.createExperiment(
      `version: 1
kind: optimizer-comparison
experiment:
  name: learned-vs-adam
  seed: 11
  problem: { name: l2l-quadratics, batch: 32, dims: 10, variant: gaussian }
  training: { steps: 50, evalEvery: 5 }
  optimizers:
    - { name: learned, artifact: ${artifact.id} }
    - { name: adam, lr: 0.3 }
  report: { seeds: 3 }
`,
      'learned-vs-adam.yaml',
    );
    if (!created.ok) throw new Error(`the comparison was refused: ${JSON.stringify(created.problems)}`);
    await app.service.whenIdle();
    const page = await openLabPage(app, `#/experiments/${created.experimentId}`);
    const report = page.getByTestId('report');
    await report.waitFor();
    const ranking = page.locator('table', { hasText: 'final val loss (95% CI)' });
    const rows = (await ranking.locator('tbody tr').allTextContents()).join('\n');
    expect(rows).toContain(`learned (artifact ${artifact.id})`);
    expect(rows).toContain('adam');
    await screenshot(page, 'meta-training-learned-in-comparison');
    await page.close();
  });
});
