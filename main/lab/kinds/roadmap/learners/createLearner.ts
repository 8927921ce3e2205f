// The learner of a roadmap run, by its model: the scripted learner (no network), the character
// sequence learner (addition, micro-tasks) or the MLP for MNIST streams — with what the trainer
// needs besides the SkillLearner itself: the shared variables to checkpoint, the compiled
// functions for the graph view, and the backend it runs on.
import type { CompiledFunction } from '../../../../../engine/compile/fn.ts';
import type { SharedVariable } from '../../../../../engine/core/graph.ts';
import type { TrainerContext } from '../../../trainers/trainer.ts';
import type { RoadmapRunConfig } from '../runConfig.ts';
import type { SkillLearner } from '../skillLearner.ts';
import { characterTaskOf } from '../tasks.ts';
import { ImageLearner } from './imageLearner.ts';
import { learnerOptimizer } from './learnerOptimizer.ts';
import { ScriptedLearner } from './scriptedLearner.ts';
import { SequenceLearner } from './sequenceLearner.ts';

export interface RoadmapLearner {
  learner: SkillLearner;
  /** Shared variables a checkpoint holds (parameters and optimizer slots). */
  state(): SharedVariable[];
  compiledFunctions(): [string, CompiledFunction][];
  backend: string;
}

export function createLearner(
  config: RoadmapRunConfig,
  prerequisites: readonly (readonly number[])[],
  seed: number,
  context: TrainerContext,
): RoadmapLearner {
  const { learner: spec, evaluation, validationSeed, skills } = config;
  const model = spec.model;
  if (model.name === 'scripted') {
    const learner = new ScriptedLearner(
      prerequisites,
      {
        rate: model.rate,
        decay: model.decay,
        batchSize: spec.batchSize,
        evaluationExamples: evaluation.examples,
      },
      seed,
    );
    return { learner, state: () => [], compiledFunctions: () => [], backend: 'js' };
  }
  const optimizer = learnerOptimizer(spec.optimizer, context);
  const validation = { examples: evaluation.examples, seed: validationSeed };
  if (model.name === 'sequence') {
    const tasks = skills.map((s) => characterTaskOf(s.task!));
    const learner = new SequenceLearner(
      tasks,
      { model, batchSize: spec.batchSize, ...(spec.clipNorm ? { clipNorm: spec.clipNorm } : {}), validation },
      optimizer,
      seed,
    );
    return {
      learner,
      state: () => learner.stateVariables(),
      compiledFunctions: () => learner.compiledFunctions(),
      backend: learner.backendName,
    };
  }
  const learner = new ImageLearner(
    skills.map((s) => s.task!),
    { ...spec, model, validation },
    optimizer,
    seed,
  );
  return {
    learner,
    state: () => learner.stateVariables(),
    compiledFunctions: () => learner.compiledFunctions(),
    backend: learner.backendName,
  };
}
