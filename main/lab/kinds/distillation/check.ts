// Checks of a distillation definition beyond its schema, each reported at the key to change: the
// models against their task's schema, keys that only one task understands, arm names, the bias
// grid, the IDX folder, and a mentor file given by path — read now, so a file that is not the
// declared architecture or has other classes than the students is refused before anything runs.
// (A mentor given by artifact id is checked the same way when the first student starts.)
import { existsSync } from 'node:fs';
import type { DefinitionProblem } from '../../definitions/definitionError.ts';
import type { ValidationContext } from '../../definitions/validationContext.ts';
import { toyVocabularySizes } from '../../../../engine/data/toy-translation.ts';
import {
  armReadsMentor,
  imageClasses,
  isTranslationTask,
  modelSchemaId,
  type DistillationConfig,
  type ModelSpec,
} from './config.ts';
import { architectureMismatches, outputClasses, readModelFile } from './modelArtifact.ts';

type Path = (string | number)[];

function studentClasses(config: DistillationConfig): number {
  return isTranslationTask(config.task) ? toyVocabularySizes(config.task).target : imageClasses;
}

function checkMentorFile(
  config: DistillationConfig,
  context: ValidationContext,
  declared: boolean,
): DefinitionProblem[] {
  const path = config.mentor.artifact;
  if (typeof path !== 'string') return [];
  const at: Path = ['experiment', 'mentor', 'artifact'];
  if (!existsSync(path)) {
    return [context.problem(at, `there is no file ${path} (relative paths start at ${process.cwd()})`)];
  }
  let found;
  try {
    found = readModelFile(path).architecture;
  } catch (error) {
    return [context.problem(at, (error as Error).message)];
  }
  const problems: DefinitionProblem[] = [];
  if (declared && config.mentor.model) {
    for (const wrong of architectureMismatches(found, config.mentor.model as unknown as ModelSpec)) {
      problems.push(
        context.problem(
          ['experiment', 'mentor', 'model', wrong.key],
          `the mentor file ${path} has ${wrong.key} ${JSON.stringify(wrong.found)}, not ${JSON.stringify(wrong.declared)}: declare what the file is, or give another file`,
        ),
      );
    }
  }
  const classes = outputClasses(found);
  if (classes !== studentClasses(config)) {
    problems.push(
      context.problem(
        at,
        `the mentor file ${path} has ${classes} output classes but the students have ${studentClasses(config)}: a student can only learn from a mentor of the same task`,
      ),
    );
  }
  return problems;
}

function checkModels(
  config: DistillationConfig,
  context: ValidationContext,
): { problems: DefinitionProblem[]; mentorModelValid: boolean } {
  const schema = modelSchemaId(config.task);
  const problems: DefinitionProblem[] = [];
  let mentorModelValid = false;
  if (config.mentor.model !== undefined) {
    const found = context.validate(schema, config.mentor.model, ['experiment', 'mentor', 'model']);
    mentorModelValid = found.length === 0;
    problems.push(...found);
  } else if (config.mentor.artifact === undefined) {
    problems.push(
      context.problem(
        ['experiment', 'mentor'],
        'missing key "model": the mentor to train (or an artifact to read)',
        'key',
      ),
    );
  }
  if (config.mentor.artifact === undefined && config.mentor.training === undefined) {
    problems.push(
      context.problem(
        ['experiment', 'mentor'],
        'missing key "training" (steps, evalEvery, …): how to train the mentor',
        'key',
      ),
    );
  }
  problems.push(...context.validate(schema, config.student.model, ['experiment', 'student', 'model']));
  return { problems, mentorModelValid };
}

function checkTaskKeys(config: DistillationConfig, context: ValidationContext): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const task = config.task;
  const translation = isTranslationTask(task);
  if (isTranslationTask(task)) {
    if (config.transfer.fraction !== 1 || config.transfer.omitClass !== undefined)
      problems.push(
        context.problem(
          ['experiment', 'transfer'],
          'transfer applies to image tasks only; the translation students learn from every training sentence',
          'key',
        ),
      );
    if (config.student.sizes)
      problems.push(
        context.problem(
          ['experiment', 'student', 'sizes'],
          'sizes applies to image tasks only; give one student model',
          'key',
        ),
      );
    if (task.minLength > task.maxLength)
      problems.push(
        context.problem(
          ['experiment', 'task', 'minLength'],
          `expected minLength ≤ maxLength, got ${task.minLength} > ${task.maxLength}`,
        ),
      );
  } else {
    if (config.transfer.omitClass !== undefined && config.transfer.omitClass >= imageClasses)
      problems.push(
        context.problem(
          ['experiment', 'transfer', 'omitClass'],
          `expected a class 0 … ${imageClasses - 1}, got ${config.transfer.omitClass}`,
        ),
      );
    if (config.task.name === 'idx' && !existsSync(config.task.folder))
      problems.push(
        context.problem(
          ['experiment', 'task', 'folder'],
          `there is no folder ${config.task.folder}: give the folder holding the four IDX files (e.g. /usr/share/datasets/fashion-mnist)`,
        ),
      );
  }
  config.arms.forEach((arm, i) => {
    if (arm.sequenceTargets !== undefined && !translation)
      problems.push(
        context.problem(
          ['experiment', 'arms', i, 'sequenceTargets'],
          'sequenceTargets applies to the toy-translation task only',
          'key',
        ),
      );
  });
  if (config.biasShift.min > config.biasShift.max)
    problems.push(
      context.problem(
        ['experiment', 'biasShift', 'min'],
        `expected min ≤ max, got min ${config.biasShift.min} > max ${config.biasShift.max}`,
      ),
    );
  return problems;
}

function checkArms(config: DistillationConfig, context: ValidationContext): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const seen = new Set<string>();
  config.arms.forEach((arm, i) => {
    const at: Path = ['experiment', 'arms', i, 'name'];
    if (arm.name.includes('/'))
      problems.push(context.problem(at, `an arm name cannot contain "/", got "${arm.name}"`));
    if (seen.has(arm.name))
      problems.push(context.problem(at, `arm name "${arm.name}" is used twice: give each arm its own name`));
    seen.add(arm.name);
  });
  if (!config.arms.some((arm) => armReadsMentor(arm)) && config.mentor.artifact !== undefined) {
    problems.push(
      context.problem(
        ['experiment', 'mentor', 'artifact'],
        'no arm learns from the mentor (none has distillation or sequenceTargets), so this artifact would not be read',
        'key',
      ),
    );
  }
  return problems;
}

export function checkDistillation(
  config: DistillationConfig,
  context: ValidationContext,
): DefinitionProblem[] {
  const models = checkModels(config, context);
  return [
    ...models.problems,
    ...checkTaskKeys(config, context),
    ...checkArms(config, context),
    ...checkMentorFile(config, context, models.mentorModelValid),
  ];
}
