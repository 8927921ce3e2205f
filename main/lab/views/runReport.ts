// One run as its experiment kind sees it (ExperimentKind.presentRun): the tables and charts the
// app's run page draws and `lab inspect` prints, read from the store when asked, so a running
// run's view is as current as its metrics. A view that cannot be drawn (a run config the kind no
// longer reads) becomes a report saying why, not a failure of the whole run page.
import type { Database } from 'better-sqlite3';
import { getArtifact, runModels } from '../../store/artifactStore.ts';
import { getExperiment } from '../../store/experimentStore.ts';
import { metricSeries } from '../../store/metricSeries.ts';
import type { RunRecord } from '../../store/records.ts';
import { getRun, listRuns } from '../../store/runStore.ts';
import type { RunReader } from '../kinds/experimentKind.ts';
import { experimentKinds } from '../kinds/registry.ts';
import type { LabReport } from '../report/labReport.ts';

export function storeRunReader(db: Database): RunReader {
  return {
    curve: (runId, name) => metricSeries(db, runId, name, { maxPoints: 1e9 }),
    run: (id) => getRun(db, id),
    experimentRuns: (experimentId) => listRuns(db, experimentId),
    artifactRun(artifactId) {
      const artifact = getArtifact(db, artifactId);
      return artifact && getRun(db, artifact.runId);
    },
    models: (runId) => runModels(db, runId),
  };
}

/** The kind's view of `run`, or null when its kind has none (or is unknown to this lab). */
export function runReport(db: Database, run: RunRecord): LabReport | null {
  const experiment = getExperiment(db, run.experimentId);
  const kind = experiment && experimentKinds.get(experiment.kind);
  if (!kind) return null;
  try {
    return kind.presentRun(run, storeRunReader(db));
  } catch (error) {
    return {
      title: `Run ${run.id} as a ${kind.name} run`,
      notes: [
        `This view could not be drawn: ${error instanceof Error ? error.message : String(error)}. ` +
          'The metrics, config and events below are unaffected.',
      ],
      tables: [],
      charts: [],
    };
  }
}
