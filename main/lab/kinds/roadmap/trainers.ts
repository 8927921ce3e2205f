// The roadmap kind's trainers, one per learner model: the scripted learner (no network: skills
// improve by a known rule), the character sequence learner (addition and the micro-task suite)
// and the MLP for MNIST streams. All three are the same RoadmapTrainer; the name only says which
// learner a run builds, which is what the graph view and `lab inspect` show.
import type { TrainerDefinition } from '../../trainers/trainer.ts';
import { RoadmapTrainer } from './roadmapTrainer.ts';
import { roadmapRunConfig, type RoadmapRunConfig } from './runConfig.ts';

export const trainers: TrainerDefinition<RoadmapRunConfig>[] = [
  {
    name: 'roadmap-scripted',
    description:
      'A roadmap climbed by the scripted learner (skills improve by η·p²·(1 − m) when trained): teachers in seconds',
    runConfig: roadmapRunConfig,
    create: () => new RoadmapTrainer(),
  },
  {
    name: 'roadmap-sequence',
    description:
      'A roadmap of character tasks (addition, micro-tasks) climbed by an LSTM/GRU character model on the graph engine',
    runConfig: roadmapRunConfig,
    create: () => new RoadmapTrainer(),
  },
  {
    name: 'roadmap-mlp',
    description:
      'A stream of MNIST tasks (permuted, split) learned by an MLP with one head, with replay, EWC or progressive columns',
    runConfig: roadmapRunConfig,
    create: () => new RoadmapTrainer(),
  },
];
