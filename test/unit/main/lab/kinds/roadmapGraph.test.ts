// The roadmap as a DAG: what makes one unusable (each problem at the key it is about), the
// roadmap order teachers and R's stages follow, and the layered layout the app draws.
import { describe, expect, it } from 'vitest';
import {
  findCycles,
  roadmapIssues,
  roadmapOrder,
  type RoadmapGraphSkill,
} from '../../../../../main/lab/kinds/roadmap/roadmapGraph.ts';
import { layoutRoadmap } from '../../../../../main/lab/kinds/roadmap/roadmapLayout.ts';

const task = { name: 'addition', digits: 1 };
const skill = (id: string, prerequisites: string[] = [], withTask = true): RoadmapGraphSkill => ({
  id,
  prerequisites,
  ...(withTask ? { task } : {}),
});
const issues = (skills: RoadmapGraphSkill[]) => roadmapIssues(skills, ['addition', 'copy']);

describe('roadmap checks', () => {
  it('a sound DAG has no issues', () => {
    expect(issues([skill('a'), skill('b', ['a']), skill('c', ['a']), skill('d', ['b', 'c'])])).toEqual([]);
  });

  it('names a cycle skill by skill, at the prerequisite that closes it', () => {
    const found = issues([skill('a', ['c']), skill('b', ['a']), skill('c', ['b'])]);
    expect(found).toEqual([
      {
        path: ['skills', 0, 'prerequisites', 0],
        message: expect.stringContaining('prerequisites form a cycle: a → c → b → a'),
      },
    ]);
    expect(issues([skill('a', ['a'])])[0].message).toContain('a → a');
  });

  it('reports an unknown prerequisite with the id that was probably meant', () => {
    const [issue] = issues([skill('add1'), skill('add2', ['ad1'])]);
    expect(issue.path).toEqual(['skills', 1, 'prerequisites', 0]);
    expect(issue.message).toContain('unknown prerequisite "ad1" (did you mean "add1"?)');
  });

  it('reports duplicate ids and skills without a task, naming the tasks there are', () => {
    const found = issues([skill('a'), skill('a'), skill('b', [], false)]);
    expect(found.map((i) => i.path)).toEqual([
      ['skills', 1, 'id'],
      ['skills', 2, 'id'],
    ]);
    expect(found[0].message).toContain('duplicate skill id "a": skills[0] already has it');
    expect(found[1].message).toContain(
      'skill "b" has no task: give it task: { name: … } (one of addition, copy)',
    );
  });

  it('reports skills that can never be started, through any chain, with the reason at its root', () => {
    const found = issues([
      skill('a', ['b']),
      skill('b', ['a']),
      skill('c', ['b']),
      skill('d', ['c']),
      skill('e'),
    ]);
    const unreachable = found.filter((i) => i.message.includes('can never be started'));
    expect(unreachable.map((i) => i.path)).toEqual([
      ['skills', 2, 'prerequisites', 0],
      ['skills', 3, 'prerequisites', 0],
    ]);
    expect(unreachable[1].message).toBe(
      'skill "d" can never be started: it builds on "c", and "b" is in the cycle a → b → a',
    );
    const taskless = issues([skill('a', [], false), skill('b', ['a'])]);
    expect(taskless[1].message).toContain('it builds on "a", and "a" has no task');
  });

  it('finds every strongly connected cycle of a large graph without recursion', () => {
    const n = 5000;
    const needs = Array.from({ length: n }, (_, i) => (i === 0 ? [n - 1] : [i - 1]));
    expect(findCycles(needs)).toHaveLength(1);
    expect(findCycles(needs)[0]).toHaveLength(n);
  });
});

describe('roadmap order and layout', () => {
  it('puts every skill after its prerequisites, otherwise in file order', () => {
    const skills = [skill('d', ['b', 'c']), skill('c', ['a']), skill('a'), skill('b', ['a']), skill('e')];
    expect(roadmapOrder(skills).map((i) => skills[i].id)).toEqual(['a', 'c', 'b', 'd', 'e']);
    expect(() => roadmapOrder([skill('a', ['b']), skill('b', ['a'])])).toThrow(/cycle/);
  });

  it('layers skills by their longest prerequisite chain and centres each layer', () => {
    const skills = [
      skill('a'),
      skill('b', ['a']),
      skill('c', ['a']),
      skill('d', ['b', 'c']),
      skill('e', ['a', 'd']),
    ];
    const { layers, placements } = layoutRoadmap(skills);
    expect(layers).toBe(4);
    const at = Object.fromEntries(placements.map((p) => [p.id, p]));
    expect([at.a.layer, at.b.layer, at.c.layer, at.d.layer, at.e.layer]).toEqual([0, 1, 1, 2, 3]);
    expect([at.b.row, at.c.row].sort()).toEqual([-0.5, 0.5]);
    expect(at.a.row).toBe(0);
  });

  it('orders a layer by its neighbours so crossings disappear', () => {
    // Two chains written interleaved: x1→x2, y1→y2 with y2 listed before x2.
    const skills = [skill('x1'), skill('y1'), skill('y2', ['y1']), skill('x2', ['x1'])];
    const at = Object.fromEntries(layoutRoadmap(skills).placements.map((p) => [p.id, p]));
    expect(Math.sign(at.x2.row)).toBe(Math.sign(at.x1.row));
    expect(Math.sign(at.y2.row)).toBe(Math.sign(at.y1.row));
  });
});
