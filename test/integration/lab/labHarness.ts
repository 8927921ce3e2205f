// Shared setup for the lab integration tests: a fresh database, the test-only trainer, and a
// definition built around it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExperimentFromDefinition } from '../../../main/lab/createExperiment.ts';
import { parseDefinition } from '../../../main/lab/loadDefinition.ts';
import { runExperiment } from '../../../main/lab/experimentRunner.ts';
import type { ProgressListener } from '../../../main/lab/progress.ts';
import { registerTrainerModule } from '../../../main/lab/trainers/registry.ts';
import { openLabDatabase, type LabDatabase } from '../../../main/store/labDatabase.ts';
import { WorkerPool } from '../../../main/workers/workerPool.ts';

export const testTrainerModule = new URL('../../fixtures/lab/quadraticTrainer.ts', import.meta.url).pathname;

export async function openTestLab(): Promise<LabDatabase> {
  await registerTrainerModule(testTrainerModule);
  return openLabDatabase(join(mkdtempSync(join(tmpdir(), 'lab-integration-')), 'lab.db'));
}

/** A one-optimizer comparison on the test trainer; `problem` and `training` are YAML flow maps. */
export function definitionYaml(options: {
  problem?: string;
  training: string;
  optimizer: string;
  reportSeeds?: number;
}) {
  return [
    'version: 1',
    'kind: optimizer-comparison',
    'experiment:',
    '  name: integration',
    '  seed: 11',
    `  problem: { name: test-quadratic-1d${options.problem ? `, ${options.problem}` : ''} }`,
    `  training: ${options.training}`,
    `  optimizers: [${options.optimizer}]`,
    `  report: { seeds: ${options.reportSeeds ?? 2} }`,
  ].join('\n');
}

export async function startExperiment(lab: LabDatabase, yaml: string, onProgress?: ProgressListener) {
  const experiment = createExperimentFromDefinition(lab, await parseDefinition(yaml, 'integration.yaml'));
  return {
    id: experiment.id,
    done: runExperiment(experiment.id, {
      lab,
      executor: new WorkerPool({ size: 2 }),
      onProgress,
      cancelPollMs: 50,
    }),
  };
}

/** Runs a definition to its end; resolves to the experiment's final record. */
export async function runToEnd(lab: LabDatabase, yaml: string, onProgress?: ProgressListener) {
  return (await startExperiment(lab, yaml, onProgress)).done;
}

export function metricRows(lab: LabDatabase, runId: number, name: string): { step: number; value: number }[] {
  return lab.db
    .prepare('SELECT step, value FROM metric_points WHERE run_id = ? AND name = ? ORDER BY step')
    .all(runId, name) as { step: number; value: number }[];
}
