// An nn model's weights in another framework's names and layouts (frameworkNames.ts,
// frameworks.ts): what a PyTorch twin's load_state_dict, a Keras model's layers or a Theano
// script expect. importWeights(model, exportWeights(model, f), { framework: f }) is the identity.
import type { NDArray } from '../core/ndarray.ts';
import type { Module } from '../nn/module.ts';
import { toFramework, type Framework } from './frameworks.ts';
import { frameworkTensors } from './frameworkNames.ts';

export function exportWeights(module: Module, framework: Framework): Record<string, NDArray> {
  const out: Record<string, NDArray> = {};
  for (const entry of frameworkTensors(module, framework)) {
    // A Keras LSTM bias holds b_ih + b_hh.
    const values = entry.params.map((p) => p.get());
    let value = values[0];
    if (values.length > 1) {
      const sum = value.astype(value.dtype, true);
      for (const v of values.slice(1)) {
        const flat = v.contiguous().data;
        for (let i = 0; i < sum.data.length; i++) sum.data[i] += flat[i];
      }
      value = sum;
    }
    out[entry.name] = toFramework(entry.role, framework, value, entry.context);
  }
  return out;
}
