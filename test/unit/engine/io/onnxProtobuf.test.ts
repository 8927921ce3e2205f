// The protocol-buffer writer under the ONNX exporter: varints (negative int64s as ten bytes of
// two's complement), length-delimited fields, fixed32 floats — against hand-computed bytes from
// the wire-format spec.
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../../../engine/io/onnx/protobuf.ts';

const bytes = (w: ProtoWriter): number[] => [...w.finish()];

describe('ProtoWriter', () => {
  it('writes varints as the spec’s examples', () => {
    expect(bytes(new ProtoWriter().int(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().int(2, 0))).toEqual([0x10, 0x00]);
    expect(bytes(new ProtoWriter().int(1, -1))).toEqual([
      0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
    expect(bytes(new ProtoWriter().int(16, 1))).toEqual([0x80, 0x01, 0x01]);
  });

  it('writes strings, nested messages and floats', () => {
    expect(bytes(new ProtoWriter().string(2, 'testing'))).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    expect(bytes(new ProtoWriter().message(3, new ProtoWriter().int(1, 150)))).toEqual([
      0x1a, 0x03, 0x08, 0x96, 0x01,
    ]);
    expect(bytes(new ProtoWriter().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtoWriter().ints(8, [1, 2]))).toEqual([0x40, 0x01, 0x40, 0x02]);
  });

  it('refuses a non-integer where an integer goes', () => {
    expect(() => new ProtoWriter().int(1, 1.5)).toThrow('protobuf: field 1 needs an integer, got 1.5');
  });
});
