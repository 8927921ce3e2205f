// One learner climbing one roadmap under one teacher, independent of what the learner is. Each
// step: the teacher gives a distribution over skills, one skill is drawn, the learner trains on
// a batch of it (its answers graded before the update), the skill's mastery criterion takes the
// graded answers, and the teacher observes the batch's score. Each evaluation measures every
// skill on its validation set.
//
// Metrics (the names the app reads):
//   every step        loss, reward (mean ±1 of the batch), teacher/skill (index drawn),
//                     teacher/p/<skill> (every `teacherLogEvery` steps)
//   every evaluation  accuracy/<skill>, mastery/<skill>, mastered/<skill>, val_accuracy (mean
//                     over skills), val_loss, examples, acc / bwt / fwt (forgetting.ts)
//   at a stage's end  r/<stage skill>/<skill>: the row of the accuracy matrix R
// A stage ends when a staged teacher moves past it (manual, sequential) or, for teachers without
// stages, when its skill is first mastered.
import { Rng, type RngState } from '../../../../engine/random/rng.ts';
import { forgettingMeasures } from './forgetting.ts';
import { MasteryTracker, type MasteryCriterion, type MasteryState } from './mastery.ts';
import type { SkillLearner } from './skillLearner.ts';
import { drawSkill, type LearnerStatus, type Teacher } from './teachers/teacher.ts';

export interface CurriculumSkill {
  id: string;
  mastery: MasteryCriterion;
}

export interface CurriculumOptions {
  /** Log teacher/p/<skill> every this many steps. */
  teacherLogEvery: number;
}

interface CurriculumState {
  step: number;
  examples: number;
  mastered: boolean[];
  masteredAt: (number | null)[];
  trackers: MasteryState[];
  rows: (number[] | null)[];
  initial: number[] | null;
  stage: number | null;
  rng: RngState;
  teacher: unknown;
  learner: unknown;
}

export class CurriculumRun {
  step = 0;
  examples = 0;
  readonly mastered: boolean[];
  /** The step at which each skill was first mastered. */
  readonly masteredAt: (number | null)[];
  /** Row i of R: accuracies once the stage of skill i ended (null until then). */
  readonly rows: (number[] | null)[];
  /** Accuracies of the untrained learner (the evaluation at step 0). */
  initial: number[] | null = null;
  readonly skills: readonly CurriculumSkill[];
  readonly teacher: Teacher;
  readonly learner: SkillLearner;
  private readonly options: CurriculumOptions;
  private trackers: MasteryTracker[];
  private stage: number | null;
  private rng: Rng;

  constructor(
    skills: readonly CurriculumSkill[],
    teacher: Teacher,
    learner: SkillLearner,
    seed: number,
    options: CurriculumOptions,
  ) {
    this.skills = skills;
    this.teacher = teacher;
    this.learner = learner;
    this.options = options;
    this.mastered = skills.map(() => false);
    this.masteredAt = skills.map(() => null);
    this.rows = skills.map(() => null);
    this.trackers = skills.map((s) => new MasteryTracker(s.mastery));
    this.rng = new Rng(seed, 29);
    this.stage = teacher.stage(this.status());
  }

  status(): LearnerStatus {
    return { step: this.step, mastered: this.mastered };
  }

  private measureAll(): { accuracy: number[]; loss: number[] } {
    const measured = this.skills.map((_, j) => this.learner.evaluate(j));
    return { accuracy: measured.map((m) => m.accuracy), loss: measured.map((m) => m.loss) };
  }

  /** Ends the stage of skill `i`: its row of R, measured now, and the learner's consolidation. */
  private endStage(i: number, metrics: Record<string, number>): void {
    if (i < 0 || i >= this.skills.length || this.rows[i]) return;
    this.learner.endStage?.(i);
    const { accuracy } = this.measureAll();
    this.rows[i] = accuracy;
    accuracy.forEach((a, j) => (metrics[`r/${this.skills[i].id}/${this.skills[j].id}`] = a));
  }

  /** One teacher decision and one learner step; returns the step's metrics. */
  trainStep(): { loss: number } & Record<string, number> {
    const metrics: Record<string, number> = {};
    const stage = this.teacher.stage(this.status());
    if (stage !== null && this.stage !== null && stage > this.stage) {
      for (let i = this.stage; i < stage; i++) this.endStage(i, metrics);
    }
    this.stage = stage;
    const p = this.teacher.probabilities(this.status());
    const skill = drawSkill(p, this.rng);
    const trained = this.learner.trainStep(skill, { predictionGain: this.teacher.needsPredictionGain });
    this.step++;
    this.examples += trained.examples;
    const correct = trained.correct;
    const score = correct.length === 0 ? 0 : correct.reduce((a, b) => a + b, 0) / correct.length;
    this.trackers[skill].record(correct);
    if (!this.mastered[skill] && this.trackers[skill].met()) {
      this.mastered[skill] = true;
      this.masteredAt[skill] = this.step;
      if (this.stage === null) this.endStage(skill, metrics);
    }
    this.teacher.observe(
      {
        skill,
        score,
        ...(trained.predictionGain === undefined ? {} : { predictionGain: trained.predictionGain }),
      },
      this.status(),
    );
    metrics['teacher/skill'] = skill;
    metrics.reward = 2 * score - 1;
    if ((this.step - 1) % this.options.teacherLogEvery === 0) {
      p.forEach((q, i) => (metrics[`teacher/p/${this.skills[i].id}`] = q));
    }
    return { loss: trained.loss, ...metrics };
  }

  /** Every skill on its validation set, mastery, and the forgetting measures so far. */
  evaluate(): Record<string, number> {
    const { accuracy, loss } = this.measureAll();
    if (this.step === 0 && !this.initial) this.initial = accuracy;
    const metrics: Record<string, number> = {};
    this.skills.forEach((s, j) => {
      metrics[`accuracy/${s.id}`] = accuracy[j];
      metrics[`mastery/${s.id}`] = this.trackers[j].value();
      metrics[`mastered/${s.id}`] = this.mastered[j] ? 1 : 0;
    });
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    metrics.val_accuracy = mean(accuracy);
    metrics.val_loss = mean(loss);
    metrics.examples = this.examples;
    const { acc, bwt, fwt } = forgettingMeasures(this.rows, accuracy, this.initial);
    if (acc !== null) metrics.acc = acc;
    if (bwt !== null) metrics.bwt = bwt;
    if (fwt !== null) metrics.fwt = fwt;
    return metrics;
  }

  allMastered(): boolean {
    return this.mastered.every(Boolean);
  }

  save(): CurriculumState {
    return {
      step: this.step,
      examples: this.examples,
      mastered: [...this.mastered],
      masteredAt: [...this.masteredAt],
      trackers: this.trackers.map((t) => t.save()),
      rows: this.rows.map((r) => (r ? [...r] : null)),
      initial: this.initial,
      stage: this.stage,
      rng: this.rng.state(),
      teacher: this.teacher.save(),
      learner: this.learner.saveState(),
    };
  }

  restore(value: unknown): void {
    const state = value as CurriculumState;
    if (!state || !Array.isArray(state.mastered) || state.mastered.length !== this.skills.length) {
      throw new Error(
        `the checkpoint's curriculum has ${state?.mastered?.length ?? 'no'} skills, this roadmap ${this.skills.length}: it belongs to another run`,
      );
    }
    this.step = state.step;
    this.examples = state.examples;
    state.mastered.forEach((m, i) => (this.mastered[i] = m));
    state.masteredAt.forEach((m, i) => (this.masteredAt[i] = m));
    state.rows.forEach((r, i) => (this.rows[i] = r));
    this.trackers.forEach((t, i) => t.restore(state.trackers[i]));
    this.initial = state.initial;
    this.stage = state.stage;
    this.rng = Rng.fromState(state.rng);
    this.teacher.restore(state.teacher);
    this.learner.restoreState(state.learner);
  }
}
