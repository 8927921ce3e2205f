// The tasks a roadmap's skills can have, by the name a skill gives (`task: { name: addition,
// digits: 2 }`): which family of learner takes them (character tasks for the sequence learner,
// images for the MLP), how to build each from its options, and what is wrong with options the
// schema cannot judge (a carry count the digits cannot hold, a pattern that is not one).
import { loadMnist } from '../../../../engine/data/mnist.ts';
import type { CharacterTask } from '../../../../engine/data/characterTasks.ts';
import {
  additionTask,
  copyTask,
  findCharacterTask,
  fixedMappingTask,
  regularMembershipTask,
  reverseTask,
  sayTask,
} from '../../../../engine/data/microTasks.ts';
import {
  permutedMnistTask,
  splitMnistTask,
  type ImageTaskData,
} from '../../../../engine/data/mnistStreams.ts';
import { PatternError, parsePattern } from '../../../../engine/data/regularLanguage.ts';
import type { ModelSpec, TaskSpec } from './config.ts';

export type TaskFamily = 'characters' | 'images';

const characterTasks: Record<string, (spec: TaskSpec) => CharacterTask> = {
  addition: (s) => additionTask(s as unknown as Parameters<typeof additionTask>[0]),
  'find-char': (s) => findCharacterTask(s as { alphabet?: string; seed?: number }),
  'fixed-mapping': (s) => fixedMappingTask(s as { alphabet?: string; seed?: number }),
  copy: (s) => copyTask(s as unknown as { length: number; alphabet?: string }),
  reverse: (s) => reverseTask(s as unknown as { length: number; alphabet?: string }),
  say: (s) => sayTask(s as unknown as { length: number; alphabet?: string }),
  regular: (s) => regularMembershipTask(s as unknown as { pattern: string; maxLength?: number }),
};

const imageTasks = ['permuted-mnist', 'split-mnist'];

export const roadmapTaskNames = [...Object.keys(characterTasks), ...imageTasks];

export function taskFamily(name: string): TaskFamily {
  return imageTasks.includes(name) ? 'images' : 'characters';
}

/** Which task family a model learns; null: any (the scripted learner ignores what tasks are). */
export function modelFamily(model: ModelSpec): TaskFamily | null {
  return model.name === 'sequence' ? 'characters' : model.name === 'mlp' ? 'images' : null;
}

export function characterTaskOf(spec: TaskSpec): CharacterTask {
  const make = characterTasks[spec.name];
  if (!make)
    throw new Error(
      `task "${spec.name}" is not a character task (${Object.keys(characterTasks).join(', ')})`,
    );
  return make(spec);
}

/** The embedded MNIST splits every image task cuts (the same split for every run). */
export function mnistSplits(trainSize: number): {
  train: ReturnType<typeof loadMnist>['train'];
  validation: ReturnType<typeof loadMnist>['validation'];
} {
  const { train, validation } = loadMnist({
    seed: 0,
    sizes: { train: trainSize, validation: 1000, test: 0 },
  });
  return { train, validation };
}

export function imageTaskOf(spec: TaskSpec, splits: ReturnType<typeof mnistSplits>): ImageTaskData {
  if (spec.name === 'permuted-mnist') return permutedMnistTask(splits, spec.permutation as number);
  if (spec.name === 'split-mnist') return splitMnistTask(splits, spec.classes as number[]);
  throw new Error(`task "${spec.name}" is not an image task (${imageTasks.join(', ')})`);
}

/** What is impossible about a task's options beyond its schema: the key and why; null if nothing. */
export function taskProblem(spec: TaskSpec): { key: string; message: string } | null {
  if (spec.name === 'regular') {
    try {
      parsePattern(String(spec.pattern));
    } catch (error) {
      if (error instanceof PatternError) return { key: 'pattern', message: error.message };
      throw error;
    }
  }
  if (
    spec.name === 'addition' &&
    typeof spec.carries === 'number' &&
    typeof spec.digits === 'number' &&
    spec.carries > spec.digits
  ) {
    return {
      key: 'carries',
      message: `${spec.carries} carries are impossible in ${spec.digits}-digit addition: at most ${spec.digits} positions can carry`,
    };
  }
  if (taskFamily(spec.name) === 'characters') {
    try {
      characterTaskOf(spec);
    } catch (error) {
      const message = (error as Error).message;
      const key = /pattern/.test(message) ? 'pattern' : /alphabet/.test(message) ? 'alphabet' : 'name';
      return { key, message };
    }
  }
  return null;
}
