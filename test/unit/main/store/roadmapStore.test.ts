// Roadmaps in the store: one version per distinct content of a name, found again by hash, listed
// by name; and the roadmap kind's use of it — a roadmap file validated with positions and stored
// only when sound, and an experiment that records exactly which version its runs climb.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExperimentFromDefinition } from '../../../../main/lab/createExperiment.ts';
import type { RoadmapConfig } from '../../../../main/lab/kinds/roadmap/config.ts';
import { planRoadmap } from '../../../../main/lab/kinds/roadmap/plan.ts';
import {
  checkRoadmapText,
  roadmapView,
  saveRoadmapText,
} from '../../../../main/lab/kinds/roadmap/roadmapLibrary.ts';
import { parseDefinition } from '../../../../main/lab/loadDefinition.ts';
import { getExperiment } from '../../../../main/store/experimentStore.ts';
import { openLabDatabase, type LabDatabase } from '../../../../main/store/labDatabase.ts';
import {
  canonicalJson,
  getRoadmapVersion,
  listRoadmaps,
  listRoadmapVersions,
  roadmapHash,
  saveRoadmapVersion,
} from '../../../../main/store/roadmapStore.ts';

function openLab(): LabDatabase {
  return openLabDatabase(join(mkdtempSync(join(tmpdir(), 'roadmap-store-')), 'lab.db'));
}

const skills = (digits: number[]) =>
  digits.map((d, i) => ({
    id: `add${d}`,
    task: { name: 'addition', digits: d },
    prerequisites: i === 0 ? [] : [`add${digits[i - 1]}`],
    mastery: { accuracy: 0.99, window: 100 },
  }));

const roadmapFile = (digits: number[], comment = '') =>
  [
    `${comment}name: addition`,
    'skills:',
    ...digits.map(
      (d, i) =>
        `  - { id: add${d}, task: { name: addition, digits: ${d} }, prerequisites: [${i === 0 ? '' : `add${digits[i - 1]}`}] }`,
    ),
  ].join('\n');

describe('roadmap versions', () => {
  it('gives each distinct content of a name the next version and finds an old content again', () => {
    const lab = openLab();
    const v1 = saveRoadmapVersion(lab.db, { name: 'addition', skills: skills([1, 2]) });
    const v2 = saveRoadmapVersion(lab.db, { name: 'addition', skills: skills([1, 2, 3]) });
    const again = saveRoadmapVersion(lab.db, { name: 'addition', skills: skills([1, 2]) });
    const other = saveRoadmapVersion(lab.db, { name: 'micro', skills: skills([1]) });
    expect([v1.version, v2.version, again.version, other.version]).toEqual([1, 2, 1, 1]);
    expect(again.id).toBe(v1.id);
    expect(getRoadmapVersion(lab.db, 'addition')?.version).toBe(2);
    expect(getRoadmapVersion(lab.db, 'addition', 1)?.roadmap.skills).toHaveLength(2);
    expect(getRoadmapVersion(lab.db, 'addition', 3)).toBeUndefined();
    expect(listRoadmapVersions(lab.db, 'addition').map((r) => r.version)).toEqual([2, 1]);
    expect(listRoadmaps(lab.db)).toEqual([
      expect.objectContaining({ name: 'addition', latestVersion: 2, versions: 2, skills: 3 }),
      expect.objectContaining({ name: 'micro', latestVersion: 1, versions: 1, skills: 1 }),
    ]);
    lab.close();
  });

  it('hashes content, not key order, and not the version or hash a roadmap carries', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const plain = { name: 'x', skills: skills([1]) };
    expect(roadmapHash({ ...plain, version: 4, hash: 'abc' } as typeof plain)).toBe(roadmapHash(plain));
    expect(roadmapHash({ skills: plain.skills, name: 'x' })).toBe(roadmapHash(plain));
  });
});

describe('roadmap files', () => {
  it('stores a sound file (with its text) and lays out the version it made', () => {
    const lab = openLab();
    const text = roadmapFile([1, 2, 3], '# three lengths\n');
    const saved = saveRoadmapText(lab.db, text, 'addition.yaml');
    expect(saved.ok && saved.version.version).toBe(1);
    const view = roadmapView(lab.db, 'addition');
    expect(view?.yaml).toBe(text);
    expect(view?.layout.placements.map((p) => p.layer)).toEqual([0, 1, 2]);
    // Defaults are filled in before the content is hashed.
    expect(view?.record.roadmap.skills[0]).toMatchObject({ mastery: { accuracy: 0.99, window: 100 } });
    lab.close();
  });

  it('refuses a cycle, a threshold outside [0, 1] and 0 digits, each at its line, and stores nothing', () => {
    const lab = openLab();
    const text = [
      'name: broken',
      'skills:',
      '  - id: a',
      '    task: { name: addition, digits: 0 }',
      '    prerequisites: [b]',
      '  - id: b',
      '    task: { name: addition, digits: 2 }',
      '    prerequisites: [a]',
      '    mastery: { accuracy: 1.5, window: 10 }',
    ].join('\n');
    const saved = saveRoadmapText(lab.db, text, 'broken.yaml');
    expect(saved.ok).toBe(false);
    if (!saved.ok) {
      expect(saved.problems.map((p) => [p.line, p.message])).toEqual([
        [4, 'expected an integer ≥ 1 and ≤ 15, got 0'],
        [9, 'expected a number ≥ 0 and ≤ 1, got 1.5'],
      ]);
    }
    const fixed = checkRoadmapText(
      text.replace('digits: 0', 'digits: 1').replace('1.5', '0.9'),
      'broken.yaml',
    );
    expect(fixed.ok).toBe(false);
    if (!fixed.ok)
      expect(fixed.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
        expect.stringMatching(/^5: prerequisites form a cycle: a → b → a/),
      ]);
    expect(listRoadmaps(lab.db)).toEqual([]);
    lab.close();
  });
});

describe('a roadmap experiment records its roadmap version', () => {
  const definition = (digits: number[]) =>
    [
      'version: 1',
      'kind: roadmap',
      'experiment:',
      '  name: versions',
      '  roadmap:',
      ...roadmapFile(digits)
        .split('\n')
        .map((line) => `    ${line}`),
      '  learner: { model: { name: scripted } }',
      '  teachers: [{ name: uniform }, { name: manual }]',
      '  budget: { steps: 10 }',
      '  seeds: 2',
    ].join('\n');

  it('stores the roadmap as a version of its name and puts name, version and hash in every run', async () => {
    const lab = openLab();
    const first = createExperimentFromDefinition(lab, await parseDefinition(definition([1, 2]), 'a.yaml'));
    const same = createExperimentFromDefinition(lab, await parseDefinition(definition([1, 2]), 'b.yaml'));
    const edited = createExperimentFromDefinition(
      lab,
      await parseDefinition(definition([1, 2, 3]), 'c.yaml'),
    );
    const roadmapOf = (id: number) => (getExperiment(lab.db, id)!.config as RoadmapConfig).roadmap;
    expect([roadmapOf(first.id).version, roadmapOf(same.id).version, roadmapOf(edited.id).version]).toEqual([
      1, 1, 2,
    ]);
    const config = getExperiment(lab.db, edited.id)!.config as RoadmapConfig;
    const { runs } = planRoadmap(config, new Map());
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      expect(run.config.roadmap).toEqual({
        name: 'addition',
        version: 2,
        hash: getRoadmapVersion(lab.db, 'addition', 2)!.hash,
      });
      expect(run.config.skills.map((s) => s.id)).toEqual(['add1', 'add2', 'add3']);
    }
    lab.close();
  });
});
