/// <reference lib="dom" />
// Mentor→student distillation in the app, browser mode (Debian's Chromium against a real lab): a
// small experiment whose students never see a 3, run through LabApi; its report on the experiment
// page with the confusion matrices shaded as heat maps; then a distilled student's run page — what
// the run is (its loss written out, its mentor's run), its results beside the mentor's, its
// validation curve drawn with the mentor's, the KD loss split into soft and hard terms, the
// omitted class over training, each class's accuracy beside the mentor's and its confusion heat
// map — all equal to the database; and the mentor's one-point confusion cells listed as values,
// not drawn as a hundred charts; and in New experiment, every distillation preset validates and
// a temperature of 0 is shown at its line and key. Screenshots under test-results/screenshots.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../native/paths.ts';
import { openLabPage, queryLab, screenshot, startLabApp, type LabApp } from './labApp.ts';

const definition = `version: 1
kind: distillation
experiment:
  name: kd-e2e
  seed: 3
  task: { name: mnist, trainSize: 600, validationSize: 200, testSize: 300 }
  transfer: { omitClass: 3 }
  biasShift: { min: 0, max: 8, step: 0.5 }
  mentor:
    model: { hidden: [32], activation: relu, inputDropout: 0.1, dropout: 0.2 }
    training: { steps: 120, evalEvery: 40, checkpointEvery: 120 }
    batchSize: 50
    optimizer: { name: adam, lr: 0.003 }
  student:
    model: { hidden: [8], activation: relu }
    training: { steps: 90, evalEvery: 30, checkpointEvery: 90 }
    batchSize: 50
    optimizer: { name: adam, lr: 0.005 }
    seeds: 2
  arms:
    - name: baseline
    - name: soft
      distillation: { temperature: 4, alpha: 0.9, squaredTemperature: true, softLoss: kl, reduction: mean }
`;

let app: LabApp;
let experimentId = 0;

beforeAll(async () => {
  app = await startLabApp({ poolSize: 2 });
  const created = await app.service.createExperiment(definition, 'kd-e2e.yaml');
  if (!created.ok) throw new Error(JSON.stringify(created.problems));
  experimentId = created.experimentId;
  await app.service.whenIdle();
}, 300_000);

afterAll(async () => {
  await app?.close();
});

const query = <T>(sql: string, ...params: unknown[]) => queryLab<T>(app, sql, ...params);

const points = (runId: number, name: string) =>
  query<{ step: number; value: number }>(
    'SELECT step, value FROM metric_points WHERE run_id = ? AND name = ? ORDER BY step',
    runId,
    name,
  ).map((p) => [p.step, p.value] as const);

/** The report view's charts by title: each dataset's label and points. */
function reportCharts(page: Page, within: string) {
  return page.evaluate((testId) => {
    const root = document.querySelector(`[data-testid=${testId}]`)!;
    return [...root.querySelectorAll('figure[data-chart]')].map((figure) => {
      const canvas = figure.querySelector('[data-testid=metric-chart] canvas') as unknown as {
        labChart?: { data: { datasets: { label?: string; data: { x: number; y: number | null }[] }[] } };
      };
      return {
        id: figure.getAttribute('data-chart') ?? '',
        datasets: (canvas?.labChart?.data.datasets ?? []).map((d) => ({
          label: d.label ?? '',
          points: d.data.map((p) => [p.x, p.y] as const),
        })),
      };
    });
  }, within);
}

/** A report table's cells as text, and how many of its number cells are shaded. */
function table(page: Page, within: string, title: string) {
  return page.evaluate(
    ([testId, caption]) => {
      const found = [...document.querySelectorAll(`[data-testid=${testId}] table`)].find((t) =>
        t.querySelector('caption')?.textContent?.trim().startsWith(caption),
      );
      if (!found) return null;
      const rows = [...found.querySelectorAll('tbody tr')].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? ''),
      );
      const shaded = [...found.querySelectorAll('tbody td')].filter(
        (td) =>
          (td as HTMLElement).style.background !== '' || (td as HTMLElement).style.backgroundColor !== '',
      ).length;
      return { rows, shaded };
    },
    [within, title] as const,
  );
}

describe('distillation in the app', () => {
  it('offers every distillation preset in New experiment, valid, and shows a bad temperature at its line', async () => {
    const presets = readdirSync(join(projectRoot, 'curricula')).filter(
      (f) =>
        f.endsWith('.yaml') &&
        readFileSync(join(projectRoot, 'curricula', f), 'utf8').includes('kind: distillation'),
    );
    expect(presets.length).toBeGreaterThanOrEqual(6);
    const page = await openLabPage(app, '#/new');
    for (const preset of presets) {
      await page.locator(`[data-preset="${preset}"]`).click();
      await expect
        .poll(() => page.getByTestId('validation').textContent(), { timeout: 20_000 })
        .toBe('valid');
    }
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(
      definition.replace('temperature: 4, alpha: 0.9', 'temperature: 0, alpha: 0.9'),
    );
    await expect.poll(() => page.getByTestId('validation').textContent()).toBe('1 problem');
    const problems = (await page.getByTestId('problems').textContent()) ?? '';
    expect(problems).toContain(':23:');
    expect(problems).toContain('experiment.arms[1].distillation.temperature');
    await screenshot(page, 'distillation-new-bad-temperature');
    await page.close();
  }, 120_000);

  it('shows the experiment report with the confusion matrices as heat maps', async () => {
    expect(
      query<{ status: string }>('SELECT status FROM experiments WHERE id = ?', experimentId)[0].status,
    ).toBe('completed');
    const page = await openLabPage(app, `#/experiments/${experimentId}`);
    await page.getByTestId('report').waitFor();
    const text = (await page.getByTestId('report').textContent()) ?? '';
    expect(text).toContain('Mentor→student distillation on MNIST');
    expect(text).toContain('The omitted class 3');
    const mentorConfusion = await table(page, 'report', 'Test confusion matrix: mentor');
    expect(mentorConfusion?.rows).toHaveLength(10);
    // Every count is shaded (the class labels in the first column are text).
    expect(mentorConfusion?.shaded).toBe(100);
    await screenshot(page, 'distillation-report');
    await page.close();
  }, 120_000);

  it('shows a distilled student beside its mentor: curves, KD loss terms, the omitted class, per-class accuracy', async () => {
    const [mentor] = query<{ id: number; label: string; result: string }>(
      `SELECT id, label, result_json AS result FROM runs WHERE experiment_id = ? AND phase = 'mentor'`,
      experimentId,
    );
    const [student] = query<{ id: number; label: string; result: string }>(
      `SELECT id, label, result_json AS result FROM runs WHERE experiment_id = ? AND label LIKE 'soft%' ORDER BY id LIMIT 1`,
      experimentId,
    );
    const page = await openLabPage(app, `#/runs/${student.id}`);
    const view = page.getByTestId('run-report');
    await view.waitFor();
    const text = (await view.textContent()) ?? '';
    expect(text).toContain(`${student.label}: student of a distillation experiment`);
    expect(text).toContain(`run ${mentor.id} (${mentor.label}), its model artifact`);
    expect(text).toContain('L = 0.9 · T² · KL(softmax(z_m/T) ‖ softmax(z_s/T)) + 0.1 · CE(y, softmax(z_s))');
    expect(text).toContain('all of the training split, without class 3');

    // The validation curve beside the mentor's, the KD loss terms and the omitted class: as stored.
    await expect.poll(async () => (await reportCharts(page, 'run-report')).length).toBe(4);
    const charts = await reportCharts(page, 'run-report');
    expect(charts.map((c) => c.id)).toEqual(['curves', 'val-loss', 'loss-terms', 'omitted']);
    const [curves, , lossTerms, omitted] = charts;
    expect(curves.datasets.map((d) => [d.label, d.points])).toEqual([
      [student.label, points(student.id, 'val_accuracy')],
      [`mentor: ${mentor.label}`, points(mentor.id, 'val_accuracy')],
    ]);
    const soft = points(student.id, 'loss_soft');
    const hard = points(student.id, 'loss_hard');
    const byLabel = new Map(lossTerms.datasets.map((d) => [d.label, d.points]));
    expect(byLabel.get('soft term D(p_T ‖ q_T)')).toEqual(soft);
    expect(byLabel.get('hard term CE(y, q)')).toEqual(hard);
    // Weighted as in the loss: α·T² = 0.9 · 16 and 1 − α = 0.1; the two add up to the loss.
    const weightedSoft = byLabel.get('α·T² · soft (in the loss)')!;
    const weightedHard = byLabel.get('(1 − α) · hard (in the loss)')!;
    weightedSoft.forEach(([, y], i) => expect(y).toBeCloseTo(14.4 * soft[i][1], 10));
    points(student.id, 'loss').forEach(([, loss], i) =>
      expect(weightedSoft[i][1]! + weightedHard[i][1]!).toBeCloseTo(loss, 5),
    );
    expect(omitted.datasets.map((d) => d.points)).toContainEqual(
      points(student.id, 'test_accuracy_omitted_shifted'),
    );

    // Results, per-class accuracy and the confusion matrix from the stored final metrics.
    const result = JSON.parse(student.result) as Record<string, number>;
    const mentorResult = JSON.parse(mentor.result) as Record<string, number>;
    const perClass = await table(page, 'run-report', 'Test accuracy of each class');
    const row3 = perClass!.rows[3];
    const threes = Array.from({ length: 10 }, (_, j) => result[`final_test_confusion_3_${j}`]);
    const mentorThrees = Array.from({ length: 10 }, (_, j) => mentorResult[`final_test_confusion_3_${j}`]);
    const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
    expect(row3[0]).toBe('3');
    expect(Number(row3[1])).toBe(sum(threes));
    expect(Number(row3[2])).toBeCloseTo(threes[3] / sum(threes), 3);
    expect(Number(row3[3])).toBeCloseTo(mentorThrees[3] / sum(mentorThrees), 3);
    expect(row3[4]).toContain('never in the transfer set');
    const confusion = await table(page, 'run-report', `Test confusion matrix: ${student.label}`);
    expect(confusion!.shaded).toBe(100);
    expect(confusion!.rows.map((r) => r.slice(1).map(Number))).toEqual(
      Array.from({ length: 10 }, (_, i) =>
        Array.from({ length: 10 }, (_, j) => result[`final_test_confusion_${i}_${j}`]),
      ),
    );
    // The run's hundred final confusion cells are folded under one line, not listed one by one.
    expect((await page.getByTestId('result-cells').locator('summary').textContent())?.trim()).toMatch(
      /^100 final values of matrix cells/,
    );
    expect(await page.locator('.result dt', { hasText: 'final_test_confusion_0_0' }).isVisible()).toBe(false);
    await screenshot(page, 'distillation-student-run');
    await page.close();
  }, 120_000);

  it("lists a finished run's one-point metrics as values instead of one chart each", async () => {
    const [mentor] = query<{ id: number }>(
      `SELECT id FROM runs WHERE experiment_id = ? AND phase = 'mentor'`,
      experimentId,
    );
    const page = await openLabPage(app, `#/runs/${mentor.id}`);
    await page.locator('[data-metric="val_loss"] canvas').waitFor();
    const once = page.getByTestId('measured-once');
    await once.waitFor();
    expect((await once.locator('summary').textContent())?.trim()).toBe('100 metrics measured once');
    expect(await page.locator('[data-metric^="test_confusion_"]').count()).toBe(0);
    expect(await page.locator('[data-metric="test_accuracy"]').count()).toBe(1);
    await screenshot(page, 'distillation-mentor-run');
    await page.close();
  }, 120_000);
});
