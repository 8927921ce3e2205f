import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../../../main/lab/definitions/definitionError.ts';
import {
  checkDefinition,
  loadDefinitionFile,
  parseDefinition,
  unreadable,
} from '../../../../../main/lab/loadDefinition.ts';
import { experimentKinds } from '../../../../../main/lab/kinds/registry.ts';
import { projectRoot } from '../../../../../native/paths.ts';

const presets = ['optimizers-quick.yaml', 'optimizers-mnist.yaml'];

describe('loading definitions', () => {
  it.each(presets)('the preset curricula/%s validates', async (preset) => {
    const definition = await loadDefinitionFile(join(projectRoot, 'curricula', preset));
    expect(definition.kind.name).toBe('optimizer-comparison');
    expect(definition.experiment.name).toBe(preset.replace('.yaml', ''));
  });

  it('fills schema defaults into the experiment, including inside each optimizer', async () => {
    const definition = await parseDefinition(
      [
        'version: 1',
        'kind: optimizer-comparison',
        'experiment:',
        '  name: defaults',
        '  problem: { name: quadratics }',
        '  training: { steps: 5 }',
        '  optimizers: [{ name: adam }, { name: momentum }]',
      ].join('\n'),
      'defaults.yaml',
    );
    expect(definition.experiment).toMatchObject({
      seed: 0,
      problem: { name: 'quadratics', dims: 10, variant: 'gaussian', thetaStddev: 0.01 },
      training: { steps: 5, evalEvery: 10, checkpointEvery: 100 },
      learningRates: { min: 1e-4, max: 1 },
      optimizers: [
        { name: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
        { name: 'momentum', momentum: 0.9, weightDecay: 0 },
      ],
      tuning: { seeds: 3 },
      report: { seeds: 5 },
    });
  });

  it('reports every problem at once, in file order, in one error', async () => {
    const text = readFileSync(join(projectRoot, 'curricula', 'optimizers-quick.yaml'), 'utf8')
      .replace('steps: 100', 'steps: -3')
      .replace('- name: sgd', '- name: sgdd');
    let error: unknown;
    try {
      await parseDefinition(text, 'two-mistakes.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    const { problems, message } = error as DefinitionError;
    expect(problems.map((p) => p.keyPath)).toEqual([
      'experiment.training.steps',
      'experiment.optimizers[0].name',
    ]);
    expect(message).toMatch(
      /^two-mistakes\.yaml has 2 problems:\n {2}two-mistakes\.yaml:\d+:\d+: experiment\.training\.steps/,
    );
  });

  it('says what is wrong with a file that cannot be read, and what to do, naming it', async () => {
    await expect(loadDefinitionFile('/no/such/file.yaml')).rejects.toThrow(
      /^there is no file \/no\/such\/file\.yaml: check the path/,
    );
    const curricula = join(projectRoot, 'curricula');
    const directory = loadDefinitionFile(curricula);
    await expect(directory).rejects.toBeInstanceOf(DefinitionError);
    await expect(directory).rejects.toThrow(
      `${curricula} is a directory, not a definition: give one of its YAML files, e.g. lab run ${curricula}/${readdirSync(curricula).filter((f) => f.endsWith('.yaml'))[0]}`,
    );
    // Tests run as root, for whom every file is readable: the message for EACCES is checked directly.
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(unreadable('/data/secret.yaml', denied).message).toBe(
      'cannot read /data/secret.yaml: permission denied — check its permissions (ls -l /data/secret.yaml)',
    );
  });

  it('refuses a 50 MB definition without reading it, and a huge text at once', async () => {
    // A sparse file: reading it would allocate 50 MB; refusing it by its size allocates nothing.
    const file = join(mkdtempSync(join(tmpdir(), 'lab-huge-')), 'huge.yaml');
    closeSync(openSync(file, 'w'));
    truncateSync(file, 50 * 1024 * 1024);
    await expect(loadDefinitionFile(file)).rejects.toThrow(
      `${file} is 50.0 MB: a definition is at most 1.0 MB — is this the right file?`,
    );
    const checked = await checkDefinition(`version: 1\n# ${'x'.repeat(50 * 1024 * 1024)}\n`, 'pasted.yaml');
    expect(checked).toEqual({
      ok: false,
      problems: [
        expect.objectContaining({
          file: 'pasted.yaml',
          line: 1,
          column: 1,
          message: expect.stringMatching(/^the definition is 50.0 MB/),
        }),
      ],
    });
  });

  it('accepts exactly the kinds the lab implements', () => {
    const schema = JSON.parse(
      readFileSync(join(projectRoot, 'curricula', 'schema', 'definition.schema.json'), 'utf8'),
    );
    expect(schema.properties.kind.enum).toEqual([...experimentKinds.keys()]);
  });
});
