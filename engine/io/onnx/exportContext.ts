// What an op converter sees while the exporter walks a graph: the ONNX name of every engine
// value, a way to emit nodes and constants under fresh unique names, and the error to throw
// when the node has no ONNX form (it names the op, where it was built, and what can be exported).
import type { DType } from '../../core/dtype.ts';
import type { Apply, Variable } from '../../core/graph.ts';
import type { NDArray } from '../../core/ndarray.ts';
import { ONNX_DTYPE, type AttributeValue, type OnnxNode, type OnnxTensor } from './onnxProto.ts';

export class ExportContext {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Map<Variable, string>();
  private readonly taken = new Set<string>();
  private counter = 0;
  /** The engine node being converted (for names and errors). */
  current: Apply | null = null;

  private readonly supported: () => string;

  /** `supported` lists what the exporter converts, for the unsupported-op error. */
  constructor(supported: () => string) {
    this.supported = supported;
  }

  /** A name no other value has, from a hint. */
  unique(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = base;
    while (this.taken.has(name)) name = `${base}_${++this.counter}`;
    this.taken.add(name);
    return name;
  }

  bind(v: Variable, name: string): void {
    this.names.set(v, name);
  }

  has(v: Variable): boolean {
    return this.names.has(v);
  }

  nameOf(v: Variable): string {
    const name = this.names.get(v);
    if (name === undefined) throw new Error(`ONNX export: ${v.toString()} is used before it is computed`);
    return name;
  }

  /** Emits one node; returns its output's name (fresh unless `output` is given). */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ): string {
    const out = output ?? this.unique(`${opType.toLowerCase()}_${this.nodes.length}`);
    this.nodes.push({ opType, inputs, outputs: [out], attributes, name: this.nodeName(opType) });
    return out;
  }

  /** Emits a node with several outputs (Split). */
  opMulti(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue>,
    outputs: string[],
  ): void {
    this.nodes.push({ opType, inputs, outputs, attributes, name: this.nodeName(opType) });
  }

  private nodeName(opType: string): string {
    const from = this.current ? `${this.current.op.name}` : opType;
    return this.unique(`${from}/${opType}`);
  }

  /** A constant as an initializer; returns its name. */
  constant(value: NDArray, hint: string): string {
    const name = this.unique(hint);
    this.initializers.push({ name, value });
    return name;
  }

  /** An int64 constant (shapes, axes, split sizes): a vector unless shape is given. */
  int64(values: readonly number[], hint: string, shape: number[] = [values.length]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, value: { int64: [...values], shape } });
    return name;
  }

  onnxTypeCode(dtype: DType): number {
    return ONNX_DTYPE[dtype];
  }

  /** The error for a node (or a part of it) that has no ONNX form. */
  unsupported(why: string): Error {
    const node = this.current;
    const what = node ? `${node.op.toString()} (node built at ${node.trace})` : 'this graph';
    return new Error(
      `ONNX export: ${what} cannot be exported: ${why}. The exporter converts ${this.supported()}; ` +
        'export an inference function (no gradients, no updates) built from these ops',
    );
  }
}
