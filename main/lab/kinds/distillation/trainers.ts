// The distillation kind's trainers, on the graph engine: digits (MLP mentor and students, Hinton
// et al. 2015) and the toy translation task (encoder–decoder teacher and students, Kim & Rush
// 2016). Both take the kind's run config (runs/distillation.schema.json).
import type { TrainerDefinition } from '../../trainers/trainer.ts';
import { imageTrainerName, translationTrainerName } from './plan.ts';
import { ImageDistillationTrainer } from './imageTrainer.ts';
import { distillationRunConfig, type DistillationRunConfig } from './runConfig.ts';
import { TranslationDistillationTrainer } from './translationTrainer.ts';

export const trainers: TrainerDefinition<DistillationRunConfig>[] = [
  {
    name: imageTrainerName,
    description:
      'Distillation on digits: an MLP mentor (with dropout) on hard labels, MLP students on hard labels or the mentor’s softened outputs',
    runConfig: distillationRunConfig,
    create: () => new ImageDistillationTrainer(),
  },
  {
    name: translationTrainerName,
    description:
      'Distillation on the toy translation task: an attention encoder–decoder teacher, students on references, the teacher’s word distributions or its beam translations',
    runConfig: distillationRunConfig,
    create: () => new TranslationDistillationTrainer(),
  },
];
