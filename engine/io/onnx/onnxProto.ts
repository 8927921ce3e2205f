// ONNX's ModelProto and the messages inside it, as plain data, encoded with the field numbers of
// onnx/onnx.proto (IR version 8). What the exporter produces: one graph of nodes in topological
// order, its inputs and outputs with element types and shapes (a symbolic name where a dimension
// is only known at run time, like the batch), and the weights as initializers (raw little-endian
// bytes).
import type { DType } from '../../core/dtype.ts';
import type { NDArray } from '../../core/ndarray.ts';
import { ProtoWriter } from './protobuf.ts';

/** The ONNX IR version written (IR_VERSION_2021_7_30: opsets up to 17 and beyond). */
export const ONNX_IR_VERSION = 8;

/** TensorProto.DataType codes. */
export const ONNX_DTYPE = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type OnnxDType = keyof typeof ONNX_DTYPE;

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A tensor value: an engine array (dtype from it) or int64 numbers (shapes, axes). */
export type OnnxTensorValue = NDArray | { int64: number[]; shape: number[] };

export interface OnnxTensor {
  name: string;
  value: OnnxTensorValue;
}

export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDType;
  /** A number, or a symbolic name for a dimension known at run time. */
  shape: (number | string)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
  graph: OnnxGraph;
}

// AttributeProto.AttributeType
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof value === 'number') return a.int(20, ATTR.INT).int(3, value);
  if (typeof value === 'string') return a.int(20, ATTR.STRING).string(4, value);
  if (Array.isArray(value)) return a.int(20, ATTR.INTS).ints(8, value);
  if ('float' in value) return a.int(20, ATTR.FLOAT).float(2, value.float);
  return a.int(20, ATTR.FLOATS).floats(7, value.floats);
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter().strings(1, n.inputs).strings(2, n.outputs);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

function littleEndian(a: NDArray): Uint8Array {
  const data = a.contiguous().data;
  const out = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (a.dtype === 'float32') view.setFloat32(4 * i, data[i], true);
    else if (a.dtype === 'float64') view.setFloat64(8 * i, data[i], true);
    else if (a.dtype === 'int32') view.setInt32(4 * i, data[i], true);
    else out[i] = data[i] ? 1 : 0;
  }
  return out;
}

export function onnxDType(d: DType): OnnxDType {
  return d;
}

function tensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  if ('int64' in t.value) {
    const { int64, shape } = t.value;
    w.ints(1, shape).int(2, ONNX_DTYPE.int64).string(8, t.name);
    const raw = new Uint8Array(8 * int64.length);
    int64.forEach((v, i) => new DataView(raw.buffer).setBigInt64(8 * i, BigInt(v), true));
    return w.bytes(9, raw);
  }
  const a = t.value;
  return w
    .ints(1, [...a.shape])
    .int(2, ONNX_DTYPE[onnxDType(a.dtype)])
    .string(8, t.name)
    .bytes(9, littleEndian(a));
}

function valueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE[v.dtype]).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** The serialized ModelProto (the bytes of a .onnx file). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const g = model.graph;
  const graph = new ProtoWriter()
    .messages(1, g.nodes.map(node))
    .string(2, g.name)
    .messages(5, g.initializers.map(tensor))
    .messages(11, g.inputs.map(valueInfo))
    .messages(12, g.outputs.map(valueInfo));
  const w = new ProtoWriter()
    .int(1, ONNX_IR_VERSION)
    .string(2, model.producerName)
    .string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, model.opset));
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return w.finish();
}
