// Every roadmap preset in curricula/ is a valid definition (schema, DAG checks, task parameters),
// and the forgetting presets are fair comparisons: within a family (permuted MNIST, split MNIST)
// the experiments differ only in their name, description and the mitigation the learner uses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDefinition, loadDefinitionFile } from '../../../../../main/lab/loadDefinition.ts';
import { projectRoot } from '../../../../../native/paths.ts';

const curricula = join(projectRoot, 'curricula');
const roadmapPresets = readdirSync(curricula).filter(
  (f) => f.endsWith('.yaml') && /^kind: roadmap$/m.test(readFileSync(join(curricula, f), 'utf8')),
);

/** The experiment without what a family's presets are meant to differ in. */
async function comparedPart(file: string): Promise<unknown> {
  const { experiment } = await loadDefinitionFile(join(curricula, file));
  const {
    name: _name,
    description: _description,
    learner,
    ...rest
  } = experiment as {
    name: string;
    description: string;
    learner: Record<string, unknown>;
  };
  const { ewc: _ewc, replay: _replay, progressive: _progressive, ...sharedLearner } = learner;
  return { ...rest, learner: sharedLearner };
}

describe('roadmap presets', () => {
  it('include the addition, micro-task, scripted and forgetting presets', () => {
    expect(roadmapPresets).toEqual(
      expect.arrayContaining([
        'addition-tscl.yaml',
        'addition-tscl-small.yaml',
        'micro-tasks.yaml',
        'roadmap-scripted-quick.yaml',
        'permuted-mnist-sgd.yaml',
        'permuted-mnist-ewc.yaml',
        'permuted-mnist-progressive.yaml',
        'split-mnist-sgd.yaml',
        'split-mnist-ewc.yaml',
        'split-mnist-replay.yaml',
      ]),
    );
  });

  it.each(roadmapPresets)('curricula/%s is a valid definition', async (file) => {
    const path = join(curricula, file);
    const result = await checkDefinition(readFileSync(path, 'utf8'), path);
    expect(result.ok, JSON.stringify(result.ok ? '' : result.problems)).toBe(true);
    const definition = await loadDefinitionFile(path);
    expect(definition.kind.name).toBe('roadmap');
    expect(definition.experiment.name).toBe(file.replace('.yaml', ''));
  });

  it.each([
    ['permuted-mnist', ['sgd', 'ewc', 'progressive']],
    ['split-mnist', ['sgd', 'ewc', 'replay']],
  ])('the %s presets differ only in the mitigation', async (family, variants) => {
    const parts = await Promise.all(variants.map((v) => comparedPart(`${family}-${v}.yaml`)));
    for (const part of parts.slice(1)) expect(part).toEqual(parts[0]);
    const learners = await Promise.all(
      variants.map(async (v) => {
        const { experiment } = await loadDefinitionFile(join(curricula, `${family}-${v}.yaml`));
        return (experiment as { learner: Record<string, unknown> }).learner;
      }),
    );
    expect(learners.map((l) => ['ewc', 'replay', 'progressive'].filter((k) => k in l))).toEqual(
      variants.map((v) => (v === 'sgd' ? [] : [v])),
    );
  });
});
