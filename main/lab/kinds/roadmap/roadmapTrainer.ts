// The trainer of every roadmap run: the run's teacher and learner in a CurriculumRun
// (curriculumRun.ts), with the lab's loop driving it. It ends a run early when the budget's other
// limits are reached (examples, wall time, a validation accuracy, every skill mastered), and
// checkpoints the learner's tensors with the curriculum's state (teacher, mastery windows, R's
// rows, data streams) as JSON beside them, so a resumed run continues exactly.
import { performance } from 'node:perf_hooks';
import type { CompiledFunction } from '../../../../engine/compile/fn.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import { debugprint } from '../../../../engine/printing/debugprint.ts';
import { toJSON } from '../../../../engine/printing/toJSON.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  Trainer,
  TrainerContext,
  TrainerEnvironment,
} from '../../trainers/trainer.ts';
import { runEnvironment } from '../../trainers/engineTrainer.ts';
import type { GraphFunction } from '../../views/types.ts';
import { masteryCriterion } from './config.ts';
import { CurriculumRun } from './curriculumRun.ts';
import { createLearner, type RoadmapLearner } from './learners/createLearner.ts';
import { prerequisiteIndices } from './roadmapGraph.ts';
import type { RoadmapRunConfig } from './runConfig.ts';
import { createTeacher } from './teachers/createTeacher.ts';

export class RoadmapTrainer implements Trainer<RoadmapRunConfig> {
  private run!: CurriculumRun;
  private learner!: RoadmapLearner;
  private config!: RoadmapRunConfig;
  /** Wall time spent training before this process took over (from the checkpoint). */
  private earlierSeconds = 0;
  private startedAt = performance.now();
  private stopped: string | null = null;

  init(config: RoadmapRunConfig, seed: number, context: TrainerContext): void {
    this.config = config;
    const prerequisites = prerequisiteIndices(config.skills);
    this.learner = createLearner(config, prerequisites, seed, context);
    const teacher = createTeacher(config.teacher, {
      skills: config.skills.map((s, i) => ({ id: s.id, prerequisites: prerequisites[i] })),
      budgetSteps: config.budget.steps,
      rng: new Rng(seed, 37),
    });
    const skills = config.skills.map((s) => ({ id: s.id, mastery: masteryCriterion(s) }));
    this.run = new CurriculumRun(skills, teacher, this.learner.learner, seed, {
      teacherLogEvery: config.evaluation.teacherLogEvery,
    });
    this.startedAt = performance.now();
  }

  step(): StepMetrics {
    return this.run.trainStep();
  }

  evaluate(): EvaluationMetrics {
    const metrics = this.run.evaluate();
    this.run.skills.forEach((s, i) => {
      const at = this.run.masteredAt[i];
      if (at !== null) metrics[`mastered_at/${s.id}`] = at;
    });
    this.stopped = this.budgetSpent(metrics.val_accuracy);
    return metrics;
  }

  private seconds(): number {
    return this.earlierSeconds + (performance.now() - this.startedAt) / 1000;
  }

  private budgetSpent(valAccuracy: number): string | null {
    const { examples, wallSeconds, untilValAccuracy, untilMastered } = this.config.budget;
    if (this.run.step === 0) return null;
    if (untilMastered && this.run.allMastered()) return `every skill mastered at step ${this.run.step}`;
    if (untilValAccuracy !== undefined && valAccuracy >= untilValAccuracy)
      return `val_accuracy ${valAccuracy.toFixed(4)} reached ${untilValAccuracy} at step ${this.run.step}`;
    if (examples !== undefined && this.run.examples >= examples)
      return `the example budget (${examples}) was spent at step ${this.run.step}`;
    if (wallSeconds !== undefined && this.seconds() >= wallSeconds)
      return `the wall-time budget (${wallSeconds} s) was spent at step ${this.run.step}`;
    return null;
  }

  stopReason(): string | null {
    return this.stopped;
  }

  checkpoint(): Uint8Array {
    const tensors = Object.fromEntries(this.learner.state().map((v) => [v.name!, v.get()]));
    const curriculum = JSON.stringify({ run: this.run.save(), seconds: this.seconds() });
    return encodeSafetensors(tensors, { curriculum });
  }

  restore(bytes: Uint8Array): void {
    const { tensors, metadata } = decodeSafetensors(bytes, 'checkpoint');
    for (const variable of this.learner.state()) {
      const value = tensors[variable.name!];
      if (!value)
        throw new Error(`checkpoint has no value for ${variable.name}: it was written by another learner`);
      variable.set(value);
    }
    if (!metadata.curriculum)
      throw new Error('the checkpoint holds no curriculum state: it was not written by a roadmap run');
    const saved = JSON.parse(metadata.curriculum) as { run: unknown; seconds: number };
    this.run.restore(saved.run);
    this.earlierSeconds = saved.seconds;
    this.startedAt = performance.now();
  }

  environment(): TrainerEnvironment {
    return runEnvironment(this.learner.backend);
  }

  describe(): GraphFunction[] {
    // Functions exist once called: one step and one evaluation build those of the skills they touch.
    this.step();
    this.evaluate();
    return this.learner.compiledFunctions().map(([name, f]: [string, CompiledFunction]) => ({
      name,
      graph: toJSON(f),
      debugprint: debugprint(f, { shapes: true }),
    }));
  }
}
