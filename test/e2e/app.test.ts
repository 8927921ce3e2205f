/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The app as a researcher uses it, in browser mode: Debian's Chromium (Playwright) against a
// real lab served over HTTP + WebSocket. Each page is screenshotted under test-results/screenshots.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabServer } from '../../main/server/labServer.ts';
import { registerTrainerModule } from '../../main/lab/trainers/registry.ts';
import { definitionYaml, testTrainerModule } from '../integration/lab/labHarness.ts';
import { openLabPage, screenshot, startLabApp, type LabApp } from './labApp.ts';

let app: LabApp;

beforeAll(async () => {
  await registerTrainerModule(testTrainerModule);
  app = await startLabApp({ poolSize: 2 });
}, 120_000);

afterAll(async () => {
  await app?.close();
});

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(app.dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const openPage = (hash = ''): Promise<Page> => openLabPage(app, hash);

/** The data of every Chart.js chart on the page (MetricChart keeps its chart on its canvas). */
function chartData(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=metric-chart] canvas')].map((canvas) => {
      const chart = (
        canvas as unknown as {
          labChart?: {
            data: {
              datasets: {
                label?: string;
                data: { x: number; y: number | null }[];
                fill?: unknown;
                hidden?: boolean;
              }[];
            };
          };
        }
      ).labChart;
      return (chart?.data.datasets ?? []).map((d) => ({
        label: d.label ?? '',
        fill: d.fill ?? false,
        points: d.data.map((p) => [p.x, p.y] as const),
      }));
    }),
  );
}

/** Pixels of a chart's canvas that are neither white nor transparent: lines were drawn. */
function inkedPixels(page: Page, index = 0) {
  return page.evaluate((i) => {
    const canvas = document.querySelectorAll('[data-testid=metric-chart] canvas')[i] as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let coloured = 0;
    for (let p = 0; p < data.length; p += 4) {
      const [r, g, b, a] = [data[p], data[p + 1], data[p + 2], data[p + 3]];
      // Saturated pixels: series colours, not the grey of gridlines and text.
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
    }
    return coloured;
  }, index);
}

describe('the app in browser mode', () => {
  let experimentId = 0;

  it('starts with an empty state, then runs the quick comparison from New experiment, live', async () => {
    const page = await openPage('#/runs');
    await page.getByTestId('empty-runs').waitFor();
    await screenshot(page, '01-runs-empty');

    await page.getByRole('link', { name: 'New experiment' }).first().click();
    await page.locator('[data-preset="optimizers-quick.yaml"]').click();
    await expect.poll(() => page.getByTestId('validation').textContent()).toBe('valid');
    await screenshot(page, '02-new-experiment');
    await page.getByTestId('start').click();
    await page.waitForURL(/#\/experiments\/\d+$/);
    experimentId = Number(/experiments\/(\d+)/.exec(page.url())![1]);

    // Progress goes up while we watch, without reloading the page.
    await page.goto(`${app.url.split('?')[0]}#/runs`);
    const runsText = page.locator(`[data-experiment="${experimentId}"] [data-testid=experiment-runs]`);
    await runsText.waitFor();
    const finishedCount = async () =>
      Number(/^(\d+) of/.exec((await runsText.textContent()) ?? '')?.[1] ?? -1);
    const first = await finishedCount();
    await expect.poll(finishedCount, { timeout: 60_000 }).toBeGreaterThan(first);
    await screenshot(page, '03-runs-live');
    await expect
      .poll(() => page.locator(`[data-experiment="${experimentId}"] [data-testid=status]`).textContent(), {
        timeout: 120_000,
      })
      .toBe('completed');
    expect(await runsText.textContent()).toMatch(/^115 of 115 runs$/);
    await page.close();
  }, 240_000);

  it('renders the comparison report as a page: ranking, tuning grid, curves', async () => {
    const page = await openPage(`#/experiments/${experimentId}`);
    const report = page.getByTestId('report');
    await report.waitFor();
    const text = (await report.textContent()) ?? '';
    expect(text).toContain('Ranking on fresh report seeds');
    expect(text).toContain('final val loss (95% CI)');
    for (const name of ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam'])
      expect(text).toContain(name);
    const [curves] = await chartData(page);
    expect(curves.filter((d) => d.points.length > 0).length).toBeGreaterThanOrEqual(7);
    await screenshot(page, '04-experiment-report');
    await page.close();
  });

  it('charts a run live on its detail page: the chart has the stored points and its lines are drawn', async () => {
    const [run] = query<{ id: number }>(
      `SELECT id FROM runs WHERE experiment_id = ? AND phase = 'report' ORDER BY id LIMIT 1`,
      experimentId,
    );
    const page = await openPage(`#/runs/${run.id}`);
    await page.locator('[data-metric="val_loss"] canvas').waitFor();
    const stored = query<{ step: number; value: number }>(
      `SELECT step, value FROM metric_points WHERE run_id = ? AND name = 'val_loss' ORDER BY step`,
      run.id,
    );
    await expect.poll(async () => (await chartData(page)).length).toBeGreaterThanOrEqual(2);
    const charts = await chartData(page);
    const valLoss = charts.find((c) => c.some((d) => d.label === 'val_loss'))!;
    const drawn = valLoss.find((d) => d.label === 'val_loss')!.points;
    expect(drawn.map(([x]) => x)).toEqual(stored.map((p) => p.step));
    expect(drawn.map(([, y]) => y)).toEqual(stored.map((p) => p.value));
    expect(await inkedPixels(page, 0)).toBeGreaterThan(200);
    expect(await page.getByTestId('config').textContent()).toContain('optimizer:');
    // A quadratics run trains no network: the page offers no Export model (RunDetail.exportableModel).
    expect(await page.getByTestId('export-model').count()).toBe(0);
    await screenshot(page, '05-run-detail');
    await page.close();
  });

  it('compares runs pooled by config with bands, and exports their raw points as CSV', async () => {
    const runs = query<{ id: number }>(
      `SELECT id FROM runs WHERE experiment_id = ? AND phase = 'report' AND label LIKE 'adam %' ORDER BY id`,
      experimentId,
    );
    expect(runs).toHaveLength(3);
    const page = await openPage(`#/compare?runs=${runs.map((r) => r.id).join(',')}`);
    await page.getByTestId('group-config').check();
    await expect
      .poll(async () => (await chartData(page))[0]?.some((d) => d.fill !== false) ?? false)
      .toBe(true);
    const [datasets] = await chartData(page);
    const band = datasets.filter((d) => d.fill !== false);
    expect(band.length).toBeGreaterThan(0);
    expect(band[0].points.length).toBeGreaterThan(5);
    // The table under the chart: the pooled group, its three runs, its final value with an interval.
    const final = page.locator('table', { hasText: 'final val_loss (95% CI)' });
    expect(await final.locator('tbody tr').first().textContent()).toMatch(/^adam lr=0\.3\s*3\s*\d\.\d+ ± \d/);
    await screenshot(page, '06-compare');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    const [{ n }] = query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM metric_points WHERE name = 'val_loss' AND run_id IN (${runs.map((r) => r.id).join(',')})`,
    );
    expect(csv[0]).toBe('experiment_id,run_id,phase,label,seed,status,metric,step,wall_time_ms,value');
    expect(csv.length - 1).toBe(n);
    await page.close();
  });

  it('shows a definition mistake at its line, as the CLI does', async () => {
    const page = await openPage('#/new');
    await page.locator('[data-preset="optimizers-quick.yaml"]').click();
    await expect.poll(() => page.getByTestId('validation').textContent()).toBe('valid');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(definitionYaml({ training: '{ steps: -5 }', optimizer: '{ name: sgd }' }));
    await expect.poll(() => page.getByTestId('validation').textContent()).toBe('1 problem');
    const problems = (await page.getByTestId('problems').textContent()) ?? '';
    expect(problems).toContain(':7:22');
    expect(problems).toContain('experiment.training.steps');
    // The editor underlines the value on line 7.
    const marked = await page
      .locator('.cm-lintRange-error')
      .first()
      .evaluate((el) => {
        const line = el.closest('.cm-line')!;
        return [...line.parentElement!.children].indexOf(line) + 1;
      });
    expect(marked).toBe(7);
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    await screenshot(page, '07-yaml-error');
    await page.close();
  });

  it('refuses a request without the token, and one from a foreign origin (403)', async () => {
    const info = `${app.server.url}/api/info`;
    const body = JSON.stringify({ args: [] });
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(info, { method: 'POST', headers, body })).status).toBe(403);
    const authorized = { ...headers, authorization: `Bearer ${app.token}` };
    expect((await fetch(info, { method: 'POST', headers: authorized, body })).status).toBe(200);
    const foreign = { ...authorized, origin: 'http://evil.example' };
    expect((await fetch(info, { method: 'POST', headers: foreign, body })).status).toBe(403);
  });

  it('reconnects after the server went away and refills the chart without gaps or duplicates', async () => {
    const created = await app.service.createExperiment(
      definitionYaml({
        problem: 'stepDelayMs: 5, gradientNoise: 0',
        training: '{ steps: 1500, evalEvery: 50, checkpointEvery: 500 }',
        optimizer: '{ name: sgd, lr: 0.05 }',
        reportSeeds: 2,
      }),
      'slow.yaml',
    );
    if (!created.ok) throw new Error('the slow experiment did not start');
    await expect
      .poll(
        () => query(`SELECT id FROM runs WHERE experiment_id = ? AND step > 20`, created.experimentId).length,
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    const [run] = query<{ id: number }>(
      `SELECT id FROM runs WHERE experiment_id = ? ORDER BY id LIMIT 1`,
      created.experimentId,
    );
    const page = await openPage(`#/runs/${run.id}`);
    await page.locator('[data-metric="loss"] canvas').waitFor();
    const lossPoints = async () => {
      const charts = await chartData(page);
      return (
        charts
          .flat()
          .find((d) => d.label === 'loss')
          ?.points.map(([x]) => x) ?? []
      );
    };
    await expect.poll(async () => (await lossPoints()).length).toBeGreaterThan(50);

    // The server goes away while the run keeps training; a new one takes its place on the same port.
    const port = Number(new URL(app.server.url).port);
    await app.server.close();
    await expect.poll(() => page.getByTestId('connection').textContent()).toMatch(/reconnecting/i);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    app.server = await createLabServer({
      api: app.service,
      host: '127.0.0.1',
      port,
      token: app.token,
      rendererDirectory: app.rendererDirectory,
    });
    await expect
      .poll(() => page.getByTestId('connection').textContent(), { timeout: 20_000 })
      .toMatch(/Engine/);
    // After the refill, what is drawn is exactly what is stored: no step twice, none missing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await app.service.cancelExperiment(created.experimentId);
    await app.service.whenIdle();
    await expect
      .poll(
        async () => {
          const stored = query<{ step: number }>(
            `SELECT step FROM metric_points WHERE run_id = ? AND name = 'loss' ORDER BY step`,
            run.id,
          );
          return JSON.stringify(await lossPoints()) === JSON.stringify(stored.map((p) => p.step));
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const drawn = await lossPoints();
    expect(new Set(drawn).size).toBe(drawn.length);
    await screenshot(page, '08-after-reconnect');
    await page.close();
  }, 120_000);
});
