// A model's parameters as one flat vector: the layout, host-side copies and symbolic views.
export { flattenValues, unflattenValue } from './host.ts';
export { ParamLayout, type ParamSlot } from './layout.ts';
export { bindFlat, flattenSymbolic, unflattenSymbolic } from './symbolic.ts';
