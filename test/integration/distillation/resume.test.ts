// A distillation experiment cancelled while its mentor trains resumes from the mentor's
// checkpoint, and every curve — the mentor's (dropout masks included) and then its students' —
// is bit for bit the curve of an experiment that was never interrupted.
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import { listEvents } from '../../../main/store/eventLog.ts';
import { requestExperimentCancel } from '../../../main/store/experimentStore.ts';
import { listRuns } from '../../../main/store/runStore.ts';
import { WorkerPool } from '../../../main/workers/workerPool.ts';
import { metricRows, openTestLab, runToEnd, startExperiment } from '../lab/labHarness.ts';

const yaml = `version: 1
kind: distillation
experiment:
  name: kd-resume
  seed: 9
  task: { name: mnist, trainSize: 500, validationSize: 100, testSize: 100 }
  mentor:
    model: { hidden: [256, 256], inputDropout: 0.2, dropout: 0.5 }
    training: { steps: 400, evalEvery: 50, checkpointEvery: 25 }
    batchSize: 50
  student:
    model: { hidden: [8] }
    training: { steps: 30, evalEvery: 10, checkpointEvery: 10 }
    batchSize: 50
    seeds: 1
  arms:
    - name: soft
      distillation: { temperature: 3, alpha: 0.8 }
`;

describe('distillation, cancelled and resumed', () => {
  it('continues the mentor from its checkpoint; mentor and student curves equal an uninterrupted run', async () => {
    const lab = await openTestLab();
    let cancelAsked = false;
    const started = await startExperiment(lab, yaml, (event) => {
      if (event.type === 'run' && event.step >= 60 && !cancelAsked) {
        cancelAsked = true;
        requestExperimentCancel(lab.db, started.id);
      }
    });
    const cancelled = await started.done;
    expect(cancelled.status).toBe('cancelled');
    expect(listRuns(lab.db, cancelled.id).map((r) => [r.planKey, r.status])).toEqual([
      ['mentor', 'cancelled'],
    ]);

    const resumed = await runExperiment(cancelled.id, { lab, executor: new WorkerPool({ size: 2 }) });
    expect(resumed.status, resumed.reason ?? '').toBe('completed');
    expect(
      listEvents(lab.db, resumed.id).some((e) => /resuming from checkpoint at step \d+/.test(e.message)),
    ).toBe(true);

    const reference = await runToEnd(lab, yaml);
    const runs = listRuns(lab.db, resumed.id);
    const referenceRuns = listRuns(lab.db, reference.id);
    expect(runs.map((r) => r.planKey)).toEqual(referenceRuns.map((r) => r.planKey));
    runs.forEach((run, i) => {
      for (const metric of ['loss', 'val_loss', 'test_accuracy']) {
        expect(metricRows(lab, run.id, metric), `${run.planKey} ${metric}`).toEqual(
          metricRows(lab, referenceRuns[i].id, metric),
        );
      }
    });
    expect(metricRows(lab, runs[0].id, 'loss')).toHaveLength(400);
    lab.close();
  }, 120_000);
});
