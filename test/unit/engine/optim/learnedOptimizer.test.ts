// A trained learned update rule as an ordinary optimizer and as a file: applied tensor by tensor
// it computes what the rule computes on the model's flat θ (the way it was meta-trained); its
// safetensors file round-trips through createOptimizer('learned', { artifact }); and a file that
// is missing, not a learned optimizer, or shaped for another network is refused with the file,
// the tensor and what was expected.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { encodeSafetensors } from '../../../../engine/io/safetensors.ts';
import { preprocessGradientClamped } from '../../../../engine/nn/gradientPreprocessing.ts';
import { MLP } from '../../../../engine/nn/sequential.ts';
import { crossEntropy } from '../../../../engine/nn/losses.ts';
import { createLearnedRule } from '../../../../engine/optim/createLearnedRule.ts';
import { FrozenLearnedOptimizer } from '../../../../engine/optim/frozenLearnedOptimizer.ts';
import { createOptimizer } from '../../../../engine/optim/index.ts';
import { encodeLearnedOptimizer, loadLearnedOptimizer } from '../../../../engine/optim/learnedArtifact.ts';
import type { LearnedRuleConfig } from '../../../../engine/optim/learnedRule.ts';
import { bindFlat } from '../../../../engine/params/symbolic.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix, tensor, vector } from '../../../../engine/tensor.ts';

const lstmConfig: LearnedRuleConfig = {
  kind: 'lstm',
  hidden: 4,
  layers: 2,
  preprocessing: { kind: 'log-sign', p: 10 },
  outputScale: 0.1,
};
const mlpConfig: LearnedRuleConfig = {
  kind: 'mlp',
  hidden: 5,
  hiddenLayers: 1,
  decays: [0.5, 0.9],
  timescales: [1, 10],
  stepMultiplier: 0.01,
  expMultiplier: 0.1,
};

describe("deepmind's LogAndSign preprocessing", () => {
  it('is (max(log(|g| + eps)/k, −1), clip(e^k g, −1, 1)) with eps the float32 epsilon', () => {
    const values = [0.3, -2.5, 1e-6, -3e-5, 0, 4e-3, -1e-9];
    const g = vector('g', 'float64');
    const out = (
      fn([g], preprocessGradientClamped(g, 5), { backend: 'js' })(
        NDArray.from(values, [values.length], 'float64'),
      ) as NDArray
    ).toNested() as number[][];
    values.forEach((v, i) => {
      expect(out[i][0]).toBeCloseTo(Math.max(Math.log(Math.abs(v) + 2 ** -23) / 5, -1), 14);
      expect(out[i][1]).toBeCloseTo(Math.min(1, Math.max(-1, v * Math.exp(5))), 14);
    });
  });
});

describe('FrozenLearnedOptimizer', () => {
  it.each([
    ['lstm', lstmConfig],
    ['mlp', mlpConfig],
  ] as const)(
    '%s: tensor by tensor equals the rule on the flat θ cut into the same tensors',
    (_n, config) => {
      const rule = createLearnedRule(config, new Rng(3), 'float64');
      const model = new MLP([3, 4, 2], { rng: new Rng(4), dtype: 'float64', activation: 'tanh' });
      const params = model.parameters();
      const initial = params.map((p) => p.get());
      const x = matrix('x', 'float64', [5, 3]);
      const labels = vector('labels', 'int32', [5]);
      const loss = crossEntropy(model.forward(x), labels);
      const optimizer = new FrozenLearnedOptimizer(rule);
      const step = fn([x, labels], loss, {
        updates: optimizer.updates(params, grad(loss, params)),
        backend: 'js',
      });
      const rng = new Rng(5);
      const batches = [0, 1, 2].map(() => [rng.normal([5, 3], 'float64'), rng.randint([5], 0, 2)]);
      for (const [xv, yv] of batches) step(xv, yv);

      // The reference: the rule over the flat θ with groups = the tensors' sizes, same batches.
      const groups = model.layout().slots.map((s) => s.size);
      const n = model.layout().size;
      const theta = vector('theta', 'float64', [n]);
      const state = rule.stateShapes(n).map((shape, i) => tensor('float64', shape, `s${i}`));
      const reference = new MLP([3, 4, 2], {
        rng: new Rng(4),
        dtype: 'float64',
        activation: 'tanh',
        name: 'ref',
      });
      const refLoss = crossEntropy(
        reference.forward(x, bindFlat(reference.parameters(), reference.layout(), theta)),
        labels,
      );
      const r = rule.apply({ g: grad(refLoss, theta), theta, state, groups });
      const refStep = fn([x, labels, theta, ...state], [r.update, ...r.state], { backend: 'js' });
      let thetaValue = NDArray.from(
        initial.flatMap((v) => v.toFlat()),
        [n],
        'float64',
      );
      let stateValue = rule.stateShapes(n).map((shape) => NDArray.zeros(shape, 'float64'));
      for (const [xv, yv] of batches) {
        const [update, ...next] = refStep(xv, yv, thetaValue, ...stateValue) as NDArray[];
        thetaValue = NDArray.from(
          thetaValue.toFlat().map((v, i) => v + update.toFlat()[i]),
          [n],
          'float64',
        );
        stateValue = next;
      }
      const after = params.flatMap((p) => p.get().toFlat());
      const expected = thetaValue.toFlat();
      after.forEach((v, i) => expect(Math.abs(v - expected[i]), `coordinate ${i}`).toBeLessThan(1e-12));
      expect(after).not.toEqual(initial.flatMap((v) => v.toFlat()));
    },
  );
});

describe('learned optimizer files', () => {
  const folder = mkdtempSync(join(tmpdir(), 'learned-optimizer-'));

  it.each([
    ['lstm', lstmConfig],
    ['mlp', mlpConfig],
  ] as const)('%s: round-trips weights and config, and createOptimizer("learned") reads it', (_n, config) => {
    const rule = createLearnedRule(config, new Rng(9));
    const path = join(folder, `${config.kind}.safetensors`);
    writeFileSync(path, encodeLearnedOptimizer(rule, { run: 12 }));
    const loaded = loadLearnedOptimizer(path);
    expect(loaded.rule.config).toEqual(config);
    expect(loaded.provenance).toEqual({ run: 12 });
    for (const [name, p] of rule.module.namedParameters()) {
      expect(loaded.rule.module.stateDict()[name].toFlat()).toEqual(p.get().toFlat());
    }
    const optimizer = createOptimizer('learned', { artifact: path });
    expect(optimizer).toBeInstanceOf(FrozenLearnedOptimizer);
    expect((optimizer as FrozenLearnedOptimizer).rule.config).toEqual(config);
  });

  it('refuses a missing file, a file that is not a learned optimizer, and tensors of the wrong shape', () => {
    const missing = join(folder, 'nothing-here.safetensors');
    expect(() => loadLearnedOptimizer(missing)).toThrow(
      `learned optimizer ${missing}: no such file; expected a safetensors file written by a meta-training run`,
    );

    const plain = join(folder, 'plain.safetensors');
    writeFileSync(plain, encodeSafetensors({ w: NDArray.zeros([2]) }));
    expect(() => loadLearnedOptimizer(plain)).toThrow(
      `learned optimizer ${plain}: metadata.format is null, expected "curriculum-lab/learned-optimizer"`,
    );

    // Weights of a 4-unit LSTM under a config that says 6 units.
    const rule = createLearnedRule(lstmConfig, new Rng(1));
    const bytes = encodeSafetensors(rule.module.stateDict(), {
      format: 'curriculum-lab/learned-optimizer',
      version: '1',
      config: JSON.stringify({ ...lstmConfig, hidden: 6 }),
    });
    const wrong = join(folder, 'wrong-shape.safetensors');
    writeFileSync(wrong, bytes);
    expect(() => loadLearnedOptimizer(wrong)).toThrow(
      `learned optimizer ${wrong}: tensor coordlstm.lstm.0.W_ih has shape (2, 16), expected (2, 24) (its config says: lstm 2×6, log-sign p=10, ×0.1)`,
    );

    const { 'coordlstm.out.b': _dropped, ...partial } = rule.module.stateDict();
    const incomplete = join(folder, 'incomplete.safetensors');
    writeFileSync(
      incomplete,
      encodeSafetensors(partial, {
        format: 'curriculum-lab/learned-optimizer',
        config: JSON.stringify(lstmConfig),
      }),
    );
    expect(() => loadLearnedOptimizer(incomplete)).toThrow(
      `learned optimizer ${incomplete}: has no tensor coordlstm.out.b (its config says: lstm 2×4, log-sign p=10, ×0.1)`,
    );

    const badConfig = join(folder, 'bad-config.safetensors');
    writeFileSync(
      badConfig,
      encodeSafetensors(partial, {
        format: 'curriculum-lab/learned-optimizer',
        config: JSON.stringify({ ...lstmConfig, layers: 0 }),
      }),
    );
    expect(() => loadLearnedOptimizer(badConfig)).toThrow(
      `learned optimizer ${badConfig}: config.layers must be an integer ≥ 1, got 0`,
    );
  });
});
