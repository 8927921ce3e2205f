// Cancelling an experiment, from the CLI or the LabApi: a live owner process is asked through
// the database (it polls and stops its runs); with no live owner, unfinished runs are marked.
import { finishExperiment, getExperiment, requestExperimentCancel } from '../store/experimentStore.ts';
import { processIsAlive, type LabDatabase } from '../store/labDatabase.ts';
import { cancelUnfinishedRuns } from '../store/runStore.ts';

export type CancelOutcome =
  | { kind: 'requested'; ownerPid: number }
  | { kind: 'cancelled' }
  | { kind: 'already-finished'; status: string }
  | { kind: 'not-found' };

export function cancelExperiment(lab: LabDatabase, id: number): CancelOutcome {
  const experiment = getExperiment(lab.db, id);
  if (!experiment) return { kind: 'not-found' };
  if (experiment.status === 'completed' || experiment.status === 'cancelled') {
    return { kind: 'already-finished', status: experiment.status };
  }
  if (
    experiment.status === 'running' &&
    experiment.ownerPid !== null &&
    processIsAlive(experiment.ownerPid)
  ) {
    requestExperimentCancel(lab.db, id);
    return { kind: 'requested', ownerPid: experiment.ownerPid };
  }
  cancelUnfinishedRuns(lab.db, id);
  finishExperiment(lab.db, id, 'cancelled', 'cancelled by request');
  return { kind: 'cancelled' };
}

/** Why an experiment cannot be resumed now, or null if it can. */
export function resumeBlocker(lab: LabDatabase, id: number): string | null {
  const experiment = getExperiment(lab.db, id);
  if (!experiment) return `there is no experiment ${id} in ${lab.path}`;
  if (
    experiment.status === 'running' &&
    experiment.ownerPid !== null &&
    processIsAlive(experiment.ownerPid)
  ) {
    return (
      `experiment ${id} is still running in process ${experiment.ownerPid} on ${experiment.ownerHost}; ` +
      `cancel it first or let it finish`
    );
  }
  return null;
}
