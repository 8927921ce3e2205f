import { describe, expect, it } from 'vitest';
import { cycleThrough, readRoadmap, setPrerequisite } from '../../../renderer/src/lib/roadmapYaml.ts';

const text = `# A roadmap: the comments stay where they are.
version: 1
kind: roadmap
experiment:
  name: small
  roadmap:
    name: small-roadmap
    skills:
      - id: a   # the first skill
        title: Skill A
        task: { name: addition, digits: 1 }
        prerequisites: []
      - id: b
        title: Skill B
        task: { name: addition, digits: 2 }
        prerequisites: [a]
      - id: c
        task: { name: addition, digits: 3 }
`;

describe('the roadmap graph’s YAML', () => {
  it('reads the skills and their prerequisites', () => {
    const read = readRoadmap(text);
    expect(read).toEqual({
      ok: true,
      name: 'small-roadmap',
      skills: [
        { id: 'a', title: 'Skill A', prerequisites: [] },
        { id: 'b', title: 'Skill B', prerequisites: ['a'] },
        { id: 'c', title: 'c', prerequisites: [] },
      ],
    });
    expect(readRoadmap('version: 1\nkind: optimizer-comparison\n')).toMatchObject({
      ok: false,
      reason: /not a roadmap/,
    });
    expect(readRoadmap('kind: [')).toMatchObject({ ok: false, reason: /does not parse/ });
  });

  it('adds and removes a prerequisite in the text, keeping comments and the rest as written', () => {
    const added = setPrerequisite(text, 'c', 'b', true);
    expect(added).toContain('# A roadmap: the comments stay where they are.');
    expect(added).toContain('- id: a # the first skill');
    expect(readRoadmap(added)).toMatchObject({
      ok: true,
      skills: [{}, {}, { id: 'c', prerequisites: ['b'] }],
    });
    const twice = setPrerequisite(added, 'c', 'a', true);
    expect(readRoadmap(twice)).toMatchObject({ ok: true, skills: [{}, {}, { prerequisites: ['b', 'a'] }] });
    const removed = setPrerequisite(twice, 'c', 'b', false);
    expect(readRoadmap(removed)).toMatchObject({ ok: true, skills: [{}, {}, { prerequisites: ['a'] }] });
    expect(setPrerequisite(text, 'b', 'a', true)).toBe(setPrerequisite(text, 'b', 'a', true));
    expect(() => setPrerequisite(text, 'zz', 'a', true)).toThrow(/no skill "zz"/);
  });

  it('names the cycle a new prerequisite would close', () => {
    const skills = [
      { id: 'a', title: 'a', prerequisites: [] },
      { id: 'b', title: 'b', prerequisites: ['a'] },
      { id: 'c', title: 'c', prerequisites: ['b'] },
    ];
    expect(cycleThrough(skills, 'a', 'c')).toEqual(['a', 'c', 'b', 'a']);
    expect(cycleThrough(skills, 'c', 'a')).toBeNull();
    expect(cycleThrough(skills, 'b', 'b')).toEqual(['b', 'b']);
  });
});

describe('editing prerequisites in place', () => {
  it('rewrites only the list, in the style it was written in', () => {
    const flow = `kind: roadmap
experiment:
  roadmap:
    skills:
      - { id: a, title: A, task: { name: copy }, prerequisites: [] }
      - { id: b, title: B, task: { name: copy }, prerequisites: [a] }   # keep me
      - id: c
        prerequisites:
          - a
        task: { name: copy }
`;
    const added = setPrerequisite(flow, 'b', 'c', true);
    expect(added).toBe(
      flow.replace('prerequisites: [a] }   # keep me', 'prerequisites: [a, c] }   # keep me'),
    );
    const block = setPrerequisite(flow, 'c', 'b', true);
    expect(block).toBe(flow.replace('          - a\n', '          - a\n          - b\n'));
    expect(readRoadmap(block)).toMatchObject({
      ok: true,
      skills: [{}, {}, { id: 'c', prerequisites: ['a', 'b'] }],
    });
    expect(setPrerequisite(flow, 'b', 'a', false)).toBe(
      flow.replace('prerequisites: [a] }', 'prerequisites: [] }'),
    );
    expect(setPrerequisite(flow, 'b', 'a', true)).toBe(flow);
  });
});
