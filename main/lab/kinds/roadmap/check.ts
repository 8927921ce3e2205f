// Checks of a roadmap experiment beyond its schema, each problem at its key in the file: the
// roadmap itself (its own schema, then the DAG — duplicate ids, unknown prerequisites, cycles,
// skills without a task, skills that can never be started — mastery criteria that are neither
// kind, task options no generator can honour), tasks the learner cannot take, teachers that name
// skills the roadmap lacks, the optimizer, and mitigations on a learner they do not apply to.
import type { DefinitionProblem } from '../../definitions/definitionError.ts';
import { didYouMean } from '../../definitions/schemaProblems.ts';
import type { ValidationContext } from '../../definitions/validationContext.ts';
import { roadmapFileSchemaId, type ModelSpec, type RoadmapConfig, type RoadmapSpec } from './config.ts';
import { roadmapIssues } from './roadmapGraph.ts';
import { checkLearnedOptimizerFile } from '../optimizerComparison/kind.ts';
import { modelFamily, roadmapTaskNames, taskFamily, taskProblem } from './tasks.ts';

type Path = (string | number)[];

/** A roadmap (a file of its own, or an experiment's `roadmap:`) at `base` of the file. */
export function checkRoadmap(
  roadmap: unknown,
  context: ValidationContext,
  base: Path,
  model?: ModelSpec,
): DefinitionProblem[] {
  const schema = context.validate(roadmapFileSchemaId, roadmap, base);
  if (schema.length > 0) return schema;
  const { skills } = roadmap as RoadmapSpec;
  const problems = roadmapIssues(skills, roadmapTaskNames).map((issue) =>
    context.problem([...base, ...issue.path], issue.message, issue.target),
  );
  const family = model ? modelFamily(model) : null;
  skills.forEach((skill, i) => {
    const at = [...base, 'skills', i];
    const { accuracy, window, inARow } = skill.mastery;
    if (inARow !== undefined && (accuracy !== undefined || window !== undefined)) {
      problems.push(
        context.problem(
          [...at, 'mastery', 'inARow'],
          'give either inARow (k right in a row) or accuracy with window (accuracy over the last n answers), not both',
          'key',
        ),
      );
    } else if (inARow === undefined && (accuracy === undefined || window === undefined)) {
      const missing = accuracy === undefined ? 'accuracy' : 'window';
      problems.push(
        context.problem(
          [...at, 'mastery'],
          `missing key "${missing}": a mastery criterion is { accuracy: 0.99, window: 100 } or { inARow: 10 }`,
        ),
      );
    }
    if (!skill.task) return;
    const impossible = taskProblem(skill.task);
    if (impossible) problems.push(context.problem([...at, 'task', impossible.key], impossible.message));
    const takes = taskFamily(skill.task.name);
    if (family && takes !== family) {
      problems.push(
        context.problem(
          [...at, 'task', 'name'],
          `task ${skill.task.name} is ${takes === 'images' ? 'an image task' : 'a character task'}, but the learner's model ${model!.name} learns ${family === 'images' ? 'images (permuted-mnist, split-mnist)' : 'character tasks (addition and the micro-tasks)'}: use model ${takes === 'images' ? 'mlp' : 'sequence'}, or another task`,
        ),
      );
    }
  });
  return problems;
}

function checkTeachers(config: RoadmapConfig, context: ValidationContext): DefinitionProblem[] {
  const ids = config.roadmap.skills.map((s) => s.id);
  const problems: DefinitionProblem[] = [];
  config.teachers.forEach((teacher, i) => {
    if (teacher.name === 'single' && !ids.includes(teacher.skill)) {
      problems.push(
        context.problem(
          ['experiment', 'teachers', i, 'skill'],
          `no skill "${teacher.skill}" in the roadmap${didYouMean(teacher.skill, ids)}; its skills: ${ids.join(', ')}`,
        ),
      );
    }
  });
  return problems;
}

function checkLearner(config: RoadmapConfig, context: ValidationContext): DefinitionProblem[] {
  const { learner } = config;
  const at = ['experiment', 'learner'];
  const problems: DefinitionProblem[] = [];
  const { optimizer } = learner;
  if (optimizer.name === 'learned') {
    if (optimizer.artifact === undefined)
      problems.push(
        context.problem(
          [...at, 'optimizer'],
          "a learned optimizer needs artifact: the id of a meta-training run's optimizer artifact (lab inspect <run>) or a .safetensors path",
        ),
      );
    problems.push(...checkLearnedOptimizerFile(optimizer, [...at, 'optimizer'], context));
    if (optimizer.lr !== undefined)
      problems.push(
        context.problem(
          [...at, 'optimizer', 'lr'],
          'a learned optimizer has no learning rate: remove lr',
          'key',
        ),
      );
  } else {
    if (optimizer.lr === undefined)
      problems.push(
        context.problem([...at, 'optimizer'], `missing key "lr": ${optimizer.name} needs a learning rate`),
      );
    if (optimizer.artifact !== undefined)
      problems.push(
        context.problem(
          [...at, 'optimizer', 'artifact'],
          'only a learned optimizer reads an artifact',
          'key',
        ),
      );
  }
  if (optimizer.momentum !== undefined && optimizer.name !== 'momentum' && optimizer.name !== 'nesterov')
    problems.push(
      context.problem([...at, 'optimizer', 'momentum'], `${optimizer.name} has no momentum option`, 'key'),
    );
  for (const mitigation of ['replay', 'ewc', 'progressive'] as const) {
    if (learner[mitigation] !== undefined && learner.model.name !== 'mlp') {
      problems.push(
        context.problem(
          [...at, mitigation],
          `${mitigation} applies to the mlp learner (MNIST streams), not to model ${learner.model.name}`,
          'key',
        ),
      );
    }
  }
  return problems;
}

export function checkRoadmapExperiment(
  config: RoadmapConfig,
  context: ValidationContext,
): DefinitionProblem[] {
  const roadmap = checkRoadmap(config.roadmap, context, ['experiment', 'roadmap'], config.learner.model);
  // Teachers are checked against the skills only once the roadmap itself is sound.
  return [
    ...roadmap,
    ...checkLearner(config, context),
    ...(roadmap.length === 0 ? checkTeachers(config, context) : []),
  ];
}
