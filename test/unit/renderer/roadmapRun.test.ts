import { describe, expect, it } from 'vitest';
import {
  latestValue,
  probabilityStack,
  runRoadmap,
  runSkills,
} from '../../../renderer/src/lib/roadmapRun.ts';

describe("a roadmap run's views", () => {
  it('reads the skills and the roadmap version from a run config, and refuses other configs', () => {
    const config = {
      roadmap: { name: 'chain', version: 3, hash: 'abc' },
      skills: [
        { id: 'a', title: 'Skill A', prerequisites: [] },
        { id: 'b', prerequisites: ['a'], mastery: { inARow: 10 } },
      ],
    };
    expect(runSkills(config)).toEqual([
      { id: 'a', title: 'Skill A', prerequisites: [] },
      { id: 'b', title: 'b', prerequisites: ['a'] },
    ]);
    expect(runRoadmap(config)).toEqual({ name: 'chain', version: 3 });
    expect(runRoadmap({ roadmap: { name: 'chain', version: null } })).toEqual({
      name: 'chain',
      version: null,
    });
    expect(runRoadmap({ problem: {} })).toBeNull();
    expect(runSkills({ problem: { name: 'quadratics' } })).toBeNull();
    expect(runSkills({ skills: [{ title: 'no id' }] })).toBeNull();
    expect(runSkills(null)).toBeNull();
  });

  it('takes the newest non-null value', () => {
    expect(latestValue({ steps: [0, 5, 10], values: [0.1, 0.4, null] })).toBe(0.4);
    expect(latestValue(undefined)).toBeNull();
  });

  it('stacks the probabilities into bands that tile [0, 1], carrying each curve to steps it lacks', () => {
    const stack = probabilityStack(
      ['a', 'b', 'c'],
      new Map([
        ['a', { steps: [0, 10, 20], values: [0.5, 0.2, 0.1] }],
        // Decimated differently: no point at 10; its value at 0 holds until 20.
        ['b', { steps: [0, 20], values: [0.25, 0.3] }],
        ['c', { steps: [0, 10, 20], values: [0.25, 0.55, 0.6] }],
      ]),
    );
    expect(stack.steps).toEqual([0, 10, 20]);
    const [a, b, c] = stack.layers;
    expect(a.lower).toEqual([0, 0, 0]);
    expect(a.upper.map((v) => +v.toFixed(12))).toEqual([0.5, 0.2, 0.1]);
    expect(b.lower).toEqual(a.upper);
    expect(b.upper.map((v) => +v.toFixed(12))).toEqual([0.75, 0.45, 0.4]);
    expect(c.lower).toEqual(b.upper);
    expect(c.upper.map((v) => +v.toFixed(12))).toEqual([1, 1, 1]);
  });

  it('scales a column that does not sum to 1 and leaves out steps with nothing logged', () => {
    const stack = probabilityStack(
      ['a', 'b'],
      new Map([
        ['a', { steps: [0, 4], values: [null, 2] }],
        ['b', { steps: [4], values: [6] }],
      ]),
    );
    expect(stack.steps).toEqual([4]);
    expect(stack.layers.map((l) => [l.lower[0], l.upper[0]])).toEqual([
      [0, 0.25],
      [0.25, 1],
    ]);
    expect(probabilityStack(['a'], new Map())).toEqual({
      steps: [],
      layers: [{ id: 'a', lower: [], upper: [] }],
    });
  });
});
