// Planning a distillation experiment: the mentor (unless it is read from an artifact), then every
// arm × student size × seed. Students that learn from the mentor read its `model` artifact, which
// makes them wait for it; baseline students (hard labels only) start at once. Every arm sees the
// same student seeds and the same transfer subset, so arms compare on paired runs.
import type { ArtifactReference, PlanStep, RunOutcome, RunPlan } from '../../runPlan.ts';
import { deriveSeed } from '../../seeds.ts';
import {
  armReadsMentor,
  distillationSelection,
  isTranslationTask,
  modelLabel,
  parseModel,
  studentModels,
  type ArmSpec,
  type DistillationConfig,
  type ModelSpec,
} from './config.ts';
import { lossFormula } from './lossFormula.ts';
import type { DistillationRunConfig } from './runConfig.ts';

export const mentorKey = 'mentor';
export const imageTrainerName = 'distillation-images';
export const translationTrainerName = 'distillation-translation';

export interface StudentGroup {
  arm: ArmSpec;
  armIndex: number;
  model: ModelSpec;
  sizeIndex: number;
  /** `distilled · 784-64-64-10` */
  label: string;
  runs: RunPlan<DistillationRunConfig>[];
}

export function studentSeeds(config: DistillationConfig): number[] {
  return Array.from({ length: config.student.seeds }, (_, i) => deriveSeed(config.seed, 'student', i));
}

export function mentorSeed(config: DistillationConfig): number {
  return deriveSeed(config.seed, 'mentor', 0);
}

function trainerName(config: DistillationConfig): string {
  return isTranslationTask(config.task) ? translationTrainerName : imageTrainerName;
}

/** The mentor run, or null when the mentor is read from an artifact. */
export function mentorRun(config: DistillationConfig): RunPlan<DistillationRunConfig> | null {
  if (config.mentor.artifact !== undefined) return null;
  const model = parseModel(config.task, config.mentor.model, 'experiment.mentor.model');
  const training = config.mentor.training;
  if (!training) throw new Error('experiment.mentor.training is required to train a mentor');
  return {
    key: mentorKey,
    phase: 'mentor',
    label: `mentor ${modelLabel(model)}`,
    trainer: trainerName(config),
    config: {
      role: 'mentor',
      task: config.task,
      model: { ...model },
      batchSize: config.mentor.batchSize,
      optimizer: config.mentor.optimizer,
      transfer: null,
      arm: null,
      mentor: null,
      mentorLogits: config.student.mentorLogits,
      biasShift: null,
      decoding: isTranslationTask(config.task) ? config.decoding : null,
    },
    loop: training,
    selection: distillationSelection,
    seed: mentorSeed(config),
  };
}

/** Where students find the mentor: this experiment's mentor run, or a stored artifact by id. */
function mentorInput(config: DistillationConfig): ArtifactReference | null {
  const artifact = config.mentor.artifact;
  if (typeof artifact === 'string') return null;
  return artifact === undefined ? { run: mentorKey, artifact: 'model' } : { artifactId: artifact };
}

function studentRunConfig(config: DistillationConfig, arm: ArmSpec, model: ModelSpec): DistillationRunConfig {
  const translation = isTranslationTask(config.task);
  const { name, distillation, sequenceTargets } = arm;
  const formula = lossFormula(
    arm,
    translation
      ? { unit: 'target word', labels: 'the reference translation' }
      : { unit: 'example', labels: 'the true class' },
    config.decoding.beamSize,
  );
  const readsMentor = armReadsMentor(arm);
  const artifact = config.mentor.artifact;
  return {
    role: 'student',
    task: config.task,
    model: { ...model },
    batchSize: config.student.batchSize,
    optimizer: config.student.optimizer,
    transfer: translation
      ? null
      : {
          fraction: config.transfer.fraction,
          ...(config.transfer.omitClass !== undefined ? { omitClass: config.transfer.omitClass } : {}),
          subsetSeed: deriveSeed(config.seed, 'transfer', 0),
        },
    arm: {
      name,
      ...(distillation ? { distillation } : {}),
      ...(sequenceTargets ? { sequenceTargets } : {}),
      formula,
    },
    mentor: readsMentor
      ? {
          ...(typeof artifact === 'string' ? { artifact } : {}),
          ...(config.mentor.model
            ? { model: { ...parseModel(config.task, config.mentor.model, 'experiment.mentor.model') } }
            : {}),
        }
      : null,
    mentorLogits: config.student.mentorLogits,
    biasShift: !translation && config.transfer.omitClass !== undefined ? config.biasShift : null,
    decoding: translation ? config.decoding : null,
  };
}

export function studentGroups(config: DistillationConfig): StudentGroup[] {
  const seeds = studentSeeds(config);
  const models = studentModels(config);
  const input = mentorInput(config);
  return config.arms.flatMap((arm, armIndex) =>
    models.map((model, sizeIndex): StudentGroup => {
      const size = modelLabel(model);
      const label = models.length > 1 ? `${arm.name} · ${size}` : arm.name;
      const where = models.length > 1 ? `/${size}` : '';
      const runs = seeds.map((seed): RunPlan<DistillationRunConfig> => ({
        key: `student/${armIndex}-${arm.name}${where}/seed=${seed}`,
        phase: 'students',
        label: `${label} (student ${size})`,
        trainer: trainerName(config),
        config: studentRunConfig(config, arm, model),
        loop: config.student.training,
        selection: distillationSelection,
        seed,
        ...(armReadsMentor(arm) && input ? { inputs: { mentor: input } } : {}),
      }));
      return { arm, armIndex, model, sizeIndex, label, runs };
    }),
  );
}

export function planDistillation(
  config: DistillationConfig,
  _finished: ReadonlyMap<string, RunOutcome>,
): PlanStep<DistillationRunConfig> {
  const mentor = mentorRun(config);
  const students = studentGroups(config).flatMap((group) => group.runs);
  return { runs: mentor ? [mentor, ...students] : students, complete: true };
}
