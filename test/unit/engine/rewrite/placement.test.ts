import { describe, expect, it } from 'vitest';
import * as T from '../../../../engine/index.ts';
import type { Backend } from '../../../../engine/backends/backend.ts';
import { jsBackend } from '../../../../engine/backends/js.ts';
import { Op, type Apply, type Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { TensorType } from '../../../../engine/core/type.ts';
import { GpuFromHost, HostFromGpu, placement } from '../../../../engine/rewrite/placement.ts';
import { opsOf, rewritten } from './harness.ts';

/** x³ with only a TypeScript perform (and a gradient), the kind of op a device cannot run. */
class HostCube extends Op {
  makeNode(x: Variable): Apply {
    return this.node([x], [new TensorType(x.dtype, x.staticShape)]);
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    const out = x.astype(x.dtype, true);
    for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i] ** 3;
    return [out];
  }
  override grad(node: Apply, [gz]: readonly (Variable | null)[]): (Variable | null)[] {
    return [gz ? T.mul(gz, T.mul(T.sqr(node.inputs[0]), 3)) : null];
  }
}

const onDevice = (node: Apply): boolean => !(node.op instanceof HostCube);
const place = placement(onDevice);
const cube = (x: Variable): Variable => new HostCube().apply(x);
const x = T.matrix('x', 'float64');
const xs = NDArray.of(
  [
    [0.5, -1, 2],
    [1.5, 0.25, -3],
  ],
  'float64',
);

describe('placement', () => {
  it('puts transfers around an op without a device kernel, and nowhere else', () => {
    const fg = rewritten([x], [T.sigmoid(cube(T.exp(x)))], [place]);
    expect(opsOf(fg)).toEqual([
      'Elemwise{exp}',
      'HostFromGpu',
      'HostCube',
      'GpuFromHost',
      'Elemwise{sigmoid}',
    ]);
  });

  it('adds nothing when every op has a device kernel', () => {
    const fg = rewritten([x], [T.sigmoid(T.exp(x))], [place]);
    expect(opsOf(fg)).toEqual(['Elemwise{exp}', 'Elemwise{sigmoid}']);
  });

  it('lets consecutive host ops exchange host values (no round trip between them)', () => {
    const fg = rewritten([x], [T.exp(cube(cube(x)))], [place]);
    expect(opsOf(fg)).toEqual(['HostFromGpu', 'HostCube', 'HostCube', 'GpuFromHost', 'Elemwise{exp}']);
  });

  it('leaves constants on the host side without a transfer', () => {
    const fg = rewritten([x], [T.add(cube(T.constant(2, 'float64')), x)], [place]);
    const host = fg.toposort().find((n) => n.op instanceof HostCube)!;
    expect(host.inputs[0].owner).toBeNull();
    expect(opsOf(fg).filter((o) => o === 'HostFromGpu')).toEqual([]);
  });

  it('keeps values and gradients: transfers are views the gradient crosses back through', () => {
    const cost = T.sum(T.mul(cube(x), 2));
    const reference = T.fn([x], [cost, T.grad(cost, x)], { backend: jsBackend })(xs) as NDArray[];
    // A js backend that places like a device: the same program with the transfers in it.
    const device: Backend = {
      name: 'placed-js',
      prepare: jsBackend.prepare,
      placeGraph: (fg) => place.applyGraph(fg),
    };
    const f = T.fn([x], [cost, T.grad(cost, x)], { backend: device });
    const got = f(xs) as NDArray[];
    got.forEach((g, i) => expect(g.toFlat()).toEqual(reference[i].toFlat()));
    expect(f.fgraph.toposort().some((n) => n.op instanceof HostFromGpu)).toBe(true);
    expect(f.fgraph.toposort().some((n) => n.op instanceof GpuFromHost)).toBe(true);
    // Transfers are views: they add no program steps.
    expect(f.lastProgram!.steps.map((s) => s.opName).filter((n) => /FromGpu|FromHost/.test(n))).toEqual([]);
  });

  it('shows the transfers in debugprint', () => {
    const device: Backend = {
      name: 'placed-js',
      prepare: jsBackend.prepare,
      placeGraph: (fg) => place.applyGraph(fg),
    };
    const text = T.fn([x], T.exp(cube(x)), { backend: device }).debugprint();
    expect(text).toMatch(/GpuFromHost[\s\S]*HostCube[\s\S]*HostFromGpu/);
  });
});
