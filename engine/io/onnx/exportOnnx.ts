// ONNX export of a compiled inference function (T.fn): the rewritten graph the engine runs —
// fused composites, Gemm, convolutions, pooling — becomes an ONNX model of opset ONNX_OPSET,
// its shared variables (the weights) initializers under their parameter names, its inputs
// typed with a symbolic batch dimension where the engine's is unknown. A function with updates
// (a training step) or a node without an ONNX form is an error naming it and what can be
// exported. Check a file with onnxruntime (test/integration/onnx/).
import type { CompiledFunction } from '../../compile/fn.ts';
import { Constant, isShared, type Apply, type Variable } from '../../core/graph.ts';
import { engineVersion } from '../../info.ts';
import { Composite } from '../../ops/composite.ts';
import { Elemwise } from '../../ops/elemwise.ts';
import { convertElementwise, exportableScalarOps } from './convertElementwise.ts';
import { opConverters, ONNX_OPSET, type Converter } from './convertOps.ts';
import { ExportContext } from './exportContext.ts';
import { encodeOnnxModel, type OnnxValueInfo } from './onnxProto.ts';

export interface OnnxExportOptions {
  /** Names of the graph's inputs (default: the variables' names, else input0 …). */
  inputNames?: string[];
  /** Names of the graph's outputs (default: output0 …). */
  outputNames?: string[];
  /** The graph's name (default 'curriculum-lab'). */
  graphName?: string;
  /** Stored as the model's metadata_props (architecture, run, …). */
  metadata?: Record<string, string>;
  docString?: string;
}

export interface OnnxExport {
  bytes: Uint8Array;
  opset: number;
  /** ONNX operators used, with how many nodes each. */
  operators: Record<string, number>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Initializers holding weights (shared variables), by name. */
  weights: string[];
}

function supportedList(): string {
  const ops = opConverters.map(([, , label]) => label);
  return `${ops.join(', ')}, and elementwise ops (${exportableScalarOps.join(' ')})`;
}

function converterFor(node: Apply): Converter | undefined {
  if (node.op instanceof Composite || node.op instanceof Elemwise) return convertElementwise;
  return opConverters.find(
    ([cls]) => node.op instanceof (cls as abstract new (...a: never[]) => unknown),
  )?.[1];
}

function valueInfo(name: string, v: Variable, batchName: string): OnnxValueInfo {
  return {
    name,
    dtype: v.dtype,
    shape: v.staticShape.map((d, i) => (d === null ? (i === 0 ? batchName : `${name}_dim${i}`) : d)),
  };
}

/** The ONNX model computing `f`'s outputs from its inputs. */
export function exportOnnx(f: CompiledFunction, options: OnnxExportOptions = {}): OnnxExport {
  if (f.updateTargets.length > 0) {
    throw new Error(
      `ONNX export: the function compiled at ${f.trace} updates ${f.updateTargets.map((t) => t.toString()).join(', ')} ` +
        '(a training step); export an inference function: T.fn(inputs, outputs) without updates',
    );
  }
  const ctx = new ExportContext(supportedList);
  const fgraph = f.fgraph;
  const inputs = fgraph.inputs.map((v, i) => {
    const name = ctx.unique(options.inputNames?.[i] ?? v.name ?? `input${i}`);
    ctx.bind(v, name);
    return valueInfo(name, v, 'N');
  });
  const weights: string[] = [];
  const bindLeaf = (v: Variable): void => {
    if (ctx.has(v)) return;
    if (isShared(v)) {
      const name = ctx.constant(v.get(), v.name ?? 'weight');
      weights.push(name);
      ctx.bind(v, name);
    } else if (v instanceof Constant) {
      ctx.bind(v, ctx.constant(v.value, v.name ?? 'const'));
    } else if (!v.owner) {
      throw new Error(`ONNX export: ${v.toString()} is neither an input of the function nor a constant`);
    }
  };
  const outputs = fgraph.outputs.slice(0, f.outputCount);
  const outputNames = outputs.map((_, i) => ctx.unique(options.outputNames?.[i] ?? `output${i}`));
  for (const node of fgraph.toposort()) {
    node.inputs.forEach(bindLeaf);
    ctx.current = node;
    const convert = converterFor(node);
    if (!convert) throw ctx.unsupported('it has no ONNX form');
    const names = node.outputs.map((v) => {
      const k = outputs.indexOf(v);
      // A graph output is written under its output name directly (unless it is also another output).
      const name =
        k >= 0 && outputs.lastIndexOf(v) === k
          ? outputNames[k]
          : ctx.unique(`${node.op.name.toLowerCase()}_out`);
      ctx.bind(v, name);
      return name;
    });
    convert(node, ctx, names);
  }
  ctx.current = null;
  outputs.forEach((v, i) => {
    bindLeaf(v);
    if (ctx.nameOf(v) !== outputNames[i]) ctx.op('Identity', [ctx.nameOf(v)], {}, outputNames[i]);
  });
  const outputInfo = outputs.map((v, i) => valueInfo(outputNames[i], v, 'N'));
  const operators: Record<string, number> = {};
  for (const n of ctx.nodes) operators[n.opType] = (operators[n.opType] ?? 0) + 1;
  const bytes = encodeOnnxModel({
    opset: ONNX_OPSET,
    producerName: 'curriculum-lab',
    producerVersion: engineVersion,
    docString: options.docString,
    metadata: options.metadata,
    graph: {
      name: options.graphName ?? 'curriculum-lab',
      nodes: ctx.nodes,
      initializers: ctx.initializers,
      inputs,
      outputs: outputInfo,
    },
  });
  return { bytes, opset: ONNX_OPSET, operators, inputs, outputs: outputInfo, weights };
}
