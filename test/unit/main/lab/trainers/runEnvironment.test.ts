// A run on the js backend because the native addon did not load says so (the warning the
// runner logs), with the loader's reason and what to do; a cpu run carries no warning.
import { describe, expect, it } from 'vitest';
import { engineVersion } from '../../../../../engine/info.ts';
import { runEnvironment } from '../../../../../main/lab/trainers/engineTrainer.ts';

describe('runEnvironment', () => {
  it('a js run whose addon did not load warns with the reason and the fix', () => {
    const environment = runEnvironment('js', 'lab_native.node: cannot open shared object file');
    expect(environment).toMatchObject({ engineVersion, backend: 'js', device: 'cpu' });
    expect(environment.warning).toMatch(/JavaScript backend/);
    expect(environment.warning).toMatch(/lab_native\.node: cannot open shared object file/);
    expect(environment.warning).toMatch(/npm run build:native/);
  });

  it('a cpu run, or a js run where the addon loads (js asked for by name), has no warning', () => {
    expect(runEnvironment('cpu')).toEqual({ engineVersion, backend: 'cpu', device: 'cpu' });
    expect(runEnvironment('js', '')).toEqual({ engineVersion, backend: 'js', device: 'cpu' });
  });
});
