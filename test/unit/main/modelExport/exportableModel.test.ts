// exportableModel: what Export model would take a run's weights from, from the store's records
// alone — the run page shows the control only where this is not null.
import { describe, expect, it } from 'vitest';
import { exportableModel } from '../../../../main/modelExport/exportableModel.ts';

const checkpoint = { step: 40 };
const model = (meta: Record<string, unknown> = {}) => ({ name: 'model', step: 100, meta });

describe('exportableModel', () => {
  it('a convnet run: its model artifact, else its latest checkpoint, else nothing', () => {
    expect(exportableModel({ trainer: 'convnet' }, checkpoint, [model()])).toBe(
      'the model artifact (step 100)',
    );
    expect(exportableModel({ trainer: 'convnet' }, checkpoint, [])).toBe('the checkpoint at step 40');
    expect(exportableModel({ trainer: 'convnet' }, null, [])).toBeNull();
  });

  it('an mnist-mlp run: its checkpoint', () => {
    expect(exportableModel({ trainer: 'mnist-mlp' }, checkpoint, [])).toBe('the checkpoint at step 40');
    expect(exportableModel({ trainer: 'mnist-mlp' }, null, [])).toBeNull();
  });

  it('a distillation model exports when it is an MLP, not a translation model', () => {
    const mlp = model({ architecture: { type: 'mlp', inputs: 784, hidden: [32], classes: 10 } });
    expect(exportableModel({ trainer: 'distillation' }, checkpoint, [mlp])).toBe(
      'the model artifact (step 100)',
    );
    const seq = model({ architecture: { type: 'seq2seq' } });
    expect(exportableModel({ trainer: 'distillation' }, checkpoint, [seq])).toBeNull();
  });

  it('a learned optimizer; a run with only a checkpoint of another trainer has nothing to export', () => {
    const optimizer = { name: 'optimizer', step: 7, meta: {} };
    expect(exportableModel({ trainer: 'meta-training' }, null, [optimizer])).toBe(
      'the learned optimizer (step 7)',
    );
    expect(exportableModel({ trainer: 'quadratic' }, checkpoint, [])).toBeNull();
  });
});
