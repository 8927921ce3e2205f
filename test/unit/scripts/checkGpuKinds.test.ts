// The GPU check's lab part (scripts/check-gpu/kindsChild.ts) run here with js in the GPU's place:
// a preset's first run is built by its own trainer on both backends, each records where it
// computed, and the first losses agree; a preset that cannot run is a failed row, not a crash.
import { describe, expect, it } from 'vitest';
import { registerBuiltinTrainers } from '../../../main/lab/trainers/registry.ts';
import { checkKind } from '../../../scripts/check-gpu/kindsChild.ts';

describe('check:gpu — a preset on cpu and on another backend', () => {
  it('trains the first run of optimizers-quick on both and compares them', async () => {
    await registerBuiltinTrainers();
    const row = await checkKind('optimizers-quick.yaml', 3, 'js');
    expect(row).toMatchObject({ ok: true, error: null, computedOn: 'js', trainer: 'quadratics' });
    expect(row.losses).toHaveLength(3);
    expect(Math.abs(row.losses[0] - row.cpuLosses[0]) / row.cpuLosses[0]).toBeLessThan(1e-3);
    expect(row.losses[2]).toBeLessThan(row.losses[0]);
    expect(process.env.LAB_BACKEND).toBeUndefined();
  });

  it('reports a preset that does not load as a failed row', async () => {
    const row = await checkKind('no-such-preset.yaml', 3, 'js');
    expect(row.ok).toBe(false);
    expect(row.error).toMatch(/no-such-preset\.yaml/);
  });
});
