// The attention encoder–decoder against a PyTorch float64 twin with the same weights (nn.GRUCell
// / nn.LSTMCell, Luong attention with input feeding, written independently in the script below):
// teacher-forced logits, every parameter's gradient, and greedy decoding — for GRU and a
// two-layer LSTM, general and dot scores, with padded sources.
import { describe, expect, it } from 'vitest';
import { fn } from '../../../../engine/compile/fn.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { Seq2Seq, type Seq2SeqOptions } from '../../../../engine/nn/seq2seq.ts';
import { mul } from '../../../../engine/ops/math.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { constant, matrix } from '../../../../engine/tensor.ts';
import { findPython, runPythonJson } from '../../../support/python.ts';

const torchScript = `
import json, sys, torch
torch.set_default_dtype(torch.float64)
d = json.load(sys.stdin)
o = d["options"]
P = {k: torch.tensor(v, requires_grad=True) for k, v in d["params"].items()}
L, H, lstm = o["layers"], o["hidden"], o["cell"] == "lstm"
def cell(prefix, x, s):
    Wih, Whh, bih, bhh = (P[prefix + n] for n in ("W_ih", "W_hh", "b_ih", "b_hh"))
    c = (torch.nn.LSTMCell if lstm else torch.nn.GRUCell)(Wih.shape[0], H)
    # PyTorch's own cell computing with our tensors (stored transposed here), gradients flowing to them.
    for name, value in (("weight_ih", Wih.T), ("weight_hh", Whh.T), ("bias_ih", bih), ("bias_hh", bhh)):
        delattr(c, name); setattr(c, name, value)
    return c(x, s)
src = torch.tensor(d["source"]); dec = torch.tensor(d["decoder"])
B, S = src.shape
emb = P["seq2seq.source_embedding.W"][src]
state = None; outs = []
for t in range(S):
    x = emb[:, t]; new = []
    for k in range(L):
        s = None if state is None else state[k]
        r = cell(f"seq2seq.encoder{k}.", x, s)
        if state is not None:
            m = (src[:, t] != 0).double().unsqueeze(1)
            r = tuple(m * a + (1 - m) * b for a, b in zip(r, s)) if lstm else m * r + (1 - m) * s
        new.append(r); x = r[0] if lstm else r
    state = new; outs.append(x)
enc = torch.stack(outs, 1)
bias = (src != 0).double().sub(1).mul(1e9)
def attend(h):
    q = h @ P["seq2seq.attention.W_a"] if o["attention"] == "general" else h
    a = torch.softmax((enc * q.unsqueeze(1)).sum(-1) + bias, -1)
    ctx = (enc * a.unsqueeze(2)).sum(1)
    return torch.tanh(torch.cat([ctx, h], 1) @ P["seq2seq.attention.W_c"])
def step(prev, state, feed):
    x = torch.cat([P["seq2seq.target_embedding.W"][prev], feed], 1); new = []
    for k in range(L):
        r = cell(f"seq2seq.decoder{k}.", x, state[k]); new.append(r); x = r[0] if lstm else r
    ht = attend(x)
    return ht @ P["seq2seq.output.W"] + P["seq2seq.output.b"], new, ht
feed0 = torch.zeros(B, H)
st, feed, logits = state, feed0, []
for t in range(dec.shape[1]):
    z, st, feed = step(dec[:, t], st, feed); logits.append(z)
logits = torch.stack(logits, 1)
w = torch.tensor(d["weights"])
(logits * w).sum().backward()
st, feed, prev, greedy = state, feed0, torch.full((B,), o["bos"]), []
with torch.no_grad():
    for t in range(d["greedySteps"]):
        z, st, feed = step(prev, st, feed); prev = z.argmax(-1); greedy.append(prev.tolist())
print(json.dumps({"logits": logits.reshape(-1).tolist(), "grads": {k: v.grad.reshape(-1).tolist() for k, v in P.items()},
                  "greedy": torch.tensor(greedy).T.tolist()}))
`;

// Three sources of length ≤ 5 padded with 0 (EOS = 2 ends each), decoder inputs starting at BOS = 1.
const source = NDArray.from([3, 4, 5, 2, 0, 6, 2, 0, 0, 0, 4, 4, 6, 5, 2], [3, 5], 'int32');
const decoder = NDArray.from([1, 7, 8, 2, 1, 5, 2, 0, 1, 3, 6, 4], [3, 4], 'int32');

function build(options: Partial<Seq2SeqOptions>) {
  return new Seq2Seq({
    rng: new Rng(11),
    dtype: 'float64',
    cell: 'gru',
    sourceVocabulary: 7,
    targetVocabulary: 9,
    embedding: 4,
    hidden: 5,
    bos: 1,
    ...options,
  });
}

describe('Seq2Seq against PyTorch', () => {
  const found = findPython('torch');
  it.skipIf(found.python === null).each([
    { cell: 'gru', layers: 1, attention: 'general' },
    { cell: 'lstm', layers: 2, attention: 'dot' },
  ] as const)(
    '$cell × $layers, $attention attention: logits, gradients and greedy decoding agree',
    (options) => {
      const model = build(options);
      const src = matrix('source', 'int32', [null, 5]);
      const dec = matrix('decoder', 'int32', [null, 4]);
      const logits = model.forward(src, dec);
      const weights = new Rng(3).normal([3, 4, 9], 'float64');
      const params = model.parameters();
      const objective = sum(mul(logits, constant(weights)));
      const run = fn([src, dec], [logits, ...grad(objective, params)], { backend: 'js' });
      const [ours, ...grads] = run(source, decoder) as NDArray[];
      const greedySteps = 6;
      const greedy = (
        fn([src], model.greedy(src, greedySteps), { backend: 'js' })(source) as NDArray
      ).toNested();
      const theirs = runPythonJson<{ logits: number[]; grads: Record<string, number[]>; greedy: number[][] }>(
        found.python as string,
        torchScript,
        {
          options: { ...model.options },
          params: Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.toNested()])),
          source: source.toNested(),
          decoder: decoder.toNested(),
          weights: weights.toNested(),
          greedySteps,
        },
      );
      ours
        .toFlat()
        .forEach((v, i) => expect(Math.abs(v - theirs.logits[i]), `logit ${i}`).toBeLessThan(1e-10));
      params.forEach((p, k) => {
        const expected = theirs.grads[p.name!];
        grads[k]
          .toFlat()
          .forEach((g, i) => expect(Math.abs(g - expected[i]), `${p.name}[${i}]`).toBeLessThan(1e-9));
      });
      expect(greedy).toEqual(theirs.greedy);
    },
  );
  if (found.python === null) console.warn(`skipping the PyTorch Seq2Seq comparison: ${found.reason}`);
});

describe('Seq2Seq', () => {
  it('padding after the sentence changes nothing: the encoder keeps its state and attention ignores it', () => {
    const model = build({ cell: 'lstm' });
    const short = matrix('s', 'int32', [null, 3]);
    const long = matrix('l', 'int32', [null, 6]);
    const dec = matrix('d', 'int32', [null, 3]);
    const a = fn([short, dec], model.forward(short, dec), { backend: 'js' })(
      NDArray.from([3, 4, 2], [1, 3], 'int32'),
      NDArray.from([1, 5, 6], [1, 3], 'int32'),
    ) as NDArray;
    const b = fn([long, dec], model.forward(long, dec), { backend: 'js' })(
      NDArray.from([3, 4, 2, 0, 0, 0], [1, 6], 'int32'),
      NDArray.from([1, 5, 6], [1, 3], 'int32'),
    ) as NDArray;
    a.toFlat().forEach((v, i) => expect(b.toFlat()[i]).toBeCloseTo(v, 12));
  });

  it('names its parameters by part and refuses ids it cannot unroll', () => {
    const model = build({ cell: 'gru', layers: 2 });
    expect(model.parameters().map((p) => p.name)).toContain('seq2seq.decoder1.W_hh');
    expect(model.stateSize).toBe(3);
    expect(build({ cell: 'lstm', layers: 2 }).stateSize).toBe(5);
    expect(() => model.encode(matrix('x', 'int32'))).toThrow(
      /source must be int32 ids \[sentences, length\] with a static length/,
    );
  });
});
