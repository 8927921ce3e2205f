/// <reference lib="dom" />
// A roadmap run's detail page in browser mode (Debian's Chromium, a real lab, runs in worker
// processes, on the scripted learner so a run takes seconds): the roadmap graph lit by the run's
// mastery/<skill> metrics — and updated while the run trains, without a reload — the teacher's
// probability stack, the mastery curves, and the accuracy matrix R as a heat map with ACC/BWT/FWT,
// each checked against what the database holds. Screenshots under test-results/screenshots.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatValue } from '../../main/lab/formatValue.ts';
import {
  openLabPage,
  queryLab,
  screenshot,
  screenshotDirectory,
  startLabApp,
  type LabApp,
} from './labApp.ts';

let app: LabApp;

beforeAll(async () => {
  app = await startLabApp({ poolSize: 2 });
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const query = <T>(sql: string, ...params: unknown[]): T[] => queryLab<T>(app, sql, ...params);

const lastValue = (runId: number, name: string) =>
  query<{ value: number }>(
    'SELECT value FROM metric_points WHERE run_id = ? AND name = ? ORDER BY step DESC LIMIT 1',
    runId,
    name,
  )[0]?.value;

const roadmap = (rate: number, decay = 0.0005) => `
    name: e2e-chain
    skills:
      - { id: a, title: copy one, task: { name: copy, length: 1 }, prerequisites: [], mastery: { accuracy: 0.9, window: 30 } }
      - { id: b, title: copy two, task: { name: copy, length: 2 }, prerequisites: [a], mastery: { accuracy: 0.9, window: 30 } }
      - { id: c, title: reverse three, task: { name: reverse, length: 3 }, prerequisites: [a], mastery: { inARow: 10 } }
      - { id: d, title: copy three, task: { name: copy, length: 3 }, prerequisites: [b, c], mastery: { accuracy: 0.9, window: 30 } }
  learner: { model: { name: scripted, rate: ${rate}, decay: ${decay} }, batchSize: 10 }`;

async function createExperiment(text: string): Promise<number> {
  const created = await app.service.createExperiment(text, 'roadmap-e2e.yaml');
  if (!created.ok) throw new Error(`the roadmap experiment was refused: ${JSON.stringify(created.problems)}`);
  return created.experimentId;
}

describe('a roadmap run in the app', () => {
  it('shows the roadmap lit by mastery, the teacher’s probability stack and R as a heat map', async () => {
    const experimentId = await createExperiment(`
version: 1
kind: roadmap
experiment:
  name: roadmap-e2e
  seed: 3
  roadmap:${roadmap(0.06)}
  teachers: [{ name: manual, review: 0.2 }, { name: tscl-sampling }]
  budget: { steps: 4000, untilMastered: true }
  evaluation: { every: 25, examples: 100, teacherLogEvery: 5 }
  seeds: 1
`);
    // An edited roadmap of the same name (d no longer needs c) is stored as version 2.
    await createExperiment(`
version: 1
kind: roadmap
experiment:
  name: roadmap-e2e-edited
  roadmap:${roadmap(0.06).replace('prerequisites: [b, c]', 'prerequisites: [b]')}
  teachers: [{ name: uniform }]
  budget: { steps: 10 }
  seeds: 1
`);
    await app.service.whenIdle();
    const [run] = query<{ id: number; status: string }>(
      `SELECT id, status FROM runs WHERE experiment_id = ? ORDER BY id LIMIT 1`,
      experimentId,
    );
    expect(run.status).toBe('completed');
    const page = await openLabPage(app, `#/runs/${run.id}`);
    const view = page.getByTestId('roadmap-run');
    await view.getByTestId('probability-stack').waitFor();

    // The roadmap the run climbed, every skill mastered: solid, with a tick.
    expect(await view.locator('h2').first().textContent()).toMatch(/Roadmap\s+e2e-chain v1/);
    expect(await view.getByTestId('mastered-count').textContent()).toMatch(/^4 of 4 skills mastered\./);
    const versions = view.getByTestId('roadmap-versions');
    await expect.poll(() => versions.textContent()).toContain('Version 1; the latest is v2 (2 stored).');
    await versions.locator('summary').click();
    expect(await versions.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^v2 · .* · 4 skills\s*a · b ← a · c ← a · d ← b$/),
      expect.stringMatching(/^v1 · .* · 4 skills · this run\s*a · b ← a · c ← a · d ← b, c$/),
    ]);
    const skills = view.locator('[data-testid=roadmap-graph] [data-skill]');
    expect(await skills.count()).toBe(4);
    for (const id of ['a', 'b', 'c', 'd']) {
      const skill = view.locator(`[data-testid=roadmap-graph] [data-skill="${id}"]`);
      expect(await skill.getAttribute('class')).toContain('mastered');
      expect(await skill.textContent()).toContain('✓');
    }

    // The stack: a band per skill, the manual teacher's first band starting at the top (all on a).
    const bands = view.locator('[data-testid=probability-stack] polygon');
    expect(await bands.evaluateAll((els) => els.map((e) => e.getAttribute('data-skill')))).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);

    // Under it, the kind's view of the run (as lab inspect prints it): R — b, a row per stage in
    // roadmap order, final — with the numbers as stored and cells shaded; ACC/BWT/FWT.
    const runReport = page.getByTestId('run-report');
    const table = runReport.locator('[data-testid=report-table]', { hasText: 'Accuracy matrix R' });
    const rows = await table
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td, th')].map((c) => c.textContent!.trim())),
      );
    expect(rows.map((r) => r[0])).toEqual([
      'untrained (b)',
      'after stage a',
      'after stage b',
      'after stage c',
      'after stage d',
      'final',
    ]);
    expect(rows[1][2]).toBe(formatValue(lastValue(run.id, 'r/a/b')!));
    expect(rows[5][4]).toBe(formatValue(lastValue(run.id, 'accuracy/d')!));
    const shaded = await table
      .locator('tbody td')
      .evaluateAll((tds) => tds.filter((td) => (td as HTMLElement).style.background !== '').length);
    expect(shaded).toBeGreaterThanOrEqual(20);
    const measures = await runReport
      .locator('[data-testid=report-table]', { hasText: 'Forgetting and transfer at the end' })
      .locator('tbody td')
      .allTextContents();
    expect(measures.map((m) => m.trim())).toEqual(
      ['acc', 'bwt', 'fwt'].map((name) => formatValue(lastValue(run.id, name)!)),
    );
    await screenshot(page, 'roadmap-01-run-detail');
    await view.screenshot({ path: join(screenshotDirectory, 'roadmap-01-run-views.png') });
    await runReport.screenshot({ path: join(screenshotDirectory, 'roadmap-01-run-report.png') });

    // The experiment's report: teachers side by side, and each teacher's R (mean over seeds) shaded.
    await page.goto(`${app.url}#/experiments/${experimentId}`);
    const report = page.getByTestId('report');
    await report.waitFor();
    expect(await report.textContent()).toContain('Learner steps until each skill was mastered');
    const rTables = report.locator('[data-testid=report-table]', { hasText: 'Accuracy matrix R' });
    expect(await rTables.count()).toBe(2);
    const shadedInReport = await rTables
      .first()
      .locator('tbody td')
      .evaluateAll((tds) => tds.filter((td) => (td as HTMLElement).style.background !== '').length);
    expect(shadedInReport).toBeGreaterThanOrEqual(20);
    await screenshot(page, 'roadmap-03-experiment-report');
    await page.close();
  }, 120_000);

  it('lights the roadmap up while the run trains, without a reload', async () => {
    const experimentId = await createExperiment(`
version: 1
kind: roadmap
experiment:
  name: roadmap-e2e-live
  seed: 5
  roadmap:${roadmap(0.00002, 0.000001)}
  teachers: [{ name: manual, review: 0.2 }]
  budget: { steps: 2000000 }
  evaluation: { every: 500, examples: 50, teacherLogEvery: 100 }
  seeds: 1
`);
    const running = () =>
      query<{ id: number; step: number }>(
        `SELECT id, step FROM runs WHERE experiment_id = ? AND status = 'running' AND step > 0`,
        experimentId,
      );
    await expect.poll(() => running().length, { timeout: 60_000 }).toBe(1);
    const [run] = running();
    const page = await openLabPage(app, `#/runs/${run.id}`);
    const view = page.getByTestId('roadmap-run');
    await view.getByTestId('roadmap-graph').waitFor();
    // Every skill's label ("copy one (a), mastery 40 %") and colour, as drawn now.
    const drawn = () =>
      view
        .locator('[data-testid=roadmap-graph] [data-skill]')
        .evaluateAll((gs) =>
          gs.map((g) => `${g.getAttribute('aria-label')} ${g.querySelector('rect')!.getAttribute('fill')}`),
        );
    await expect.poll(async () => (await drawn()).join('|'), { timeout: 30_000 }).toMatch(/mastery \d+ %/);
    const before = await drawn();
    expect(await view.getByTestId('mastered-count').textContent()).toContain('so far (live)');
    // The mastery climbs as the run trains: labels and colours change on the open page.
    await expect.poll(drawn, { timeout: 60_000 }).not.toEqual(before);
    await view.screenshot({ path: join(screenshotDirectory, 'roadmap-02-run-live.png') });
    await app.service.cancelExperiment(experimentId);
    await app.service.whenIdle();
    await page.close();
  }, 180_000);
});
