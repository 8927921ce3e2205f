// Where each skill of a roadmap goes in a drawing of its DAG (what the app's roadmap graph shows
// when a skill has no position of its own): layered in Sugiyama's manner. A skill's layer is the
// length of the longest prerequisite chain below it (roots in layer 0), so every edge points to a
// later layer; within a layer, skills are ordered by the mean position of their neighbours in the
// layer before (down sweeps) and after (up sweeps), which removes most edge crossings. Positions
// are abstract: layer = column, row = place within it (centred), for the app to scale.
import { prerequisiteIndices, roadmapOrder, type RoadmapGraphSkill } from './roadmapGraph.ts';

export interface SkillPlacement {
  id: string;
  /** 0 for skills without prerequisites; 1 + the largest layer among a skill's prerequisites otherwise. */
  layer: number;
  /** Place within the layer, centred on 0 (−1, 0, 1 for three skills). */
  row: number;
}

export interface RoadmapLayout {
  layers: number;
  placements: SkillPlacement[];
}

/** Lays out a roadmap without cycles (roadmapIssues finds none). */
export function layoutRoadmap(skills: readonly RoadmapGraphSkill[], sweeps = 4): RoadmapLayout {
  const needs = prerequisiteIndices(skills);
  const dependents: number[][] = skills.map(() => []);
  needs.forEach((list, i) => list.forEach((p) => dependents[p].push(i)));
  const layer = new Array<number>(skills.length).fill(0);
  for (const i of roadmapOrder(skills)) {
    for (const p of needs[i]) layer[i] = Math.max(layer[i], layer[p] + 1);
  }
  const layerCount = skills.length === 0 ? 0 : Math.max(...layer) + 1;
  const byLayer: number[][] = Array.from({ length: layerCount }, () => []);
  skills.forEach((_, i) => byLayer[layer[i]].push(i));
  const place = new Array<number>(skills.length).fill(0);
  const renumber = (members: number[]) => members.forEach((m, k) => (place[m] = k));
  byLayer.forEach(renumber);
  const reorder = (members: number[], neighbours: (i: number) => readonly number[]) => {
    const key = new Map<number, number>();
    for (const m of members) {
      const around = neighbours(m);
      key.set(m, around.length === 0 ? place[m] : around.reduce((s, j) => s + place[j], 0) / around.length);
    }
    // Stable: skills with equal keys keep their order.
    members.sort((a, b) => key.get(a)! - key.get(b)! || place[a] - place[b]);
    renumber(members);
  };
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (let l = 1; l < layerCount; l++) reorder(byLayer[l], (i) => needs[i]);
    for (let l = layerCount - 2; l >= 0; l--) reorder(byLayer[l], (i) => dependents[i]);
  }
  const placements = skills.map((skill, i) => ({
    id: skill.id,
    layer: layer[i],
    row: place[i] - (byLayer[layer[i]].length - 1) / 2,
  }));
  return { layers: layerCount, placements };
}
