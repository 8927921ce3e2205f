// The mentor a student learns from: the run's `mentor` input (this experiment's mentor run, or an
// artifact of any experiment by id) or a file named in the definition, checked against the
// architecture the definition declares and against the student's output classes.
import type { TrainerContext } from '../../trainers/trainer.ts';
import { parseModel } from './config.ts';
import { checkMentor, readModelFile, type LoadedModel } from './modelArtifact.ts';
import type { DistillationRunConfig } from './runConfig.ts';

export interface MentorModel extends LoadedModel {
  /** Where it came from, for messages: `artifact 12 (model of run 5)` or the path. */
  source: string;
}

export function readMentor(
  config: DistillationRunConfig,
  context: TrainerContext | undefined,
  studentClasses: number,
): MentorModel {
  const input = context?.inputs.mentor;
  const path = input?.path ?? config.mentor?.artifact;
  if (!path) {
    throw new Error(
      `student arm "${config.arm?.name}" learns from a mentor but the run has no mentor input and no ` +
        'mentor.artifact path: the experiment plans one for every arm with distillation or sequenceTargets',
    );
  }
  const source = input ? `artifact ${input.artifactId} (${input.name} of run ${input.runId})` : path;
  const loaded = readModelFile(path, input?.meta);
  const declared =
    config.mentor?.model === undefined
      ? undefined
      : parseModel(config.task, config.mentor.model, 'experiment.mentor.model');
  checkMentor(loaded, declared, studentClasses, source);
  return { ...loaded, source };
}
