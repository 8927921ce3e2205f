import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metaTrainTrainerName } from '../../../../main/lab/kinds/metaTraining/trainerNames.ts';
import {
  builtinTrainerModules,
  registerBuiltinTrainersFrom,
  registerTrainerModule,
  requireTrainer,
} from '../../../../main/lab/trainers/registry.ts';
import { UserError } from '../../../../main/userError.ts';

describe('loading a trainer module (lab --trainers)', () => {
  it('says why a module cannot be used: missing, broken, not exporting trainers, a trainer without its run config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-trainers-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    await expect(registerTrainerModule(join(dir, 'missing.ts'))).rejects.toThrow(
      `cannot load trainer module ${join(dir, 'missing.ts')}: there is no such file (check the path)`,
    );
    await expect(registerTrainerModule(write('broken.ts', 'export const trainers = [;\n'))).rejects.toThrow(
      /^cannot load trainer module .*broken\.ts: /,
    );
    await expect(registerTrainerModule(write('empty.ts', 'export const nothing = 1;\n'))).rejects.toThrow(
      /empty\.ts must export "trainers": an array of TrainerDefinition/,
    );
    const old = write(
      'old.ts',
      "export const trainers = [{ name: 'old', description: 'x', create() {} }];\n",
    );
    await expect(registerTrainerModule(old)).rejects.toThrow(
      /trainer "old" in .*old\.ts has no runConfig: set it to the run config of the kind it trains/,
    );
    await expect(registerTrainerModule(old)).rejects.toBeInstanceOf(UserError);
  });
});

describe('registering the built-in trainers from imported modules (a bundle: the GPU check)', () => {
  it('serves them under the URLs workers would import, and wants all of them in order', async () => {
    const modules = await Promise.all([
      import('../../../../main/lab/kinds/optimizerComparison/trainers.ts'),
      import('../../../../main/lab/kinds/metaTraining/trainers.ts'),
      import('../../../../main/lab/kinds/distillation/trainers.ts'),
      import('../../../../main/lab/kinds/roadmap/trainers.ts'),
    ]);
    expect(() => registerBuiltinTrainersFrom(modules.slice(1))).toThrow(
      'expected the 4 built-in trainer modules, got 3',
    );
    await registerBuiltinTrainersFrom(modules);
    expect(requireTrainer(metaTrainTrainerName).moduleUrl).toBe(builtinTrainerModules[1]);
    expect(builtinTrainerModules[1]).toMatch(/^file:.*\/main\/lab\/kinds\/metaTraining\/trainers\.ts$/);
  });
});
