// A roadmap definition's skills, read from its YAML and edited in it: the roadmap graph shows
// `experiment.roadmap.skills` and changes a skill's `prerequisites` in the text itself (comments,
// order and layout kept), so the graph and the YAML editor always say the same thing.
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';

export interface RoadmapSkill {
  id: string;
  title: string;
  prerequisites: string[];
}

export type ReadRoadmap =
  { ok: true; name: string | null; skills: RoadmapSkill[] } | { ok: false; reason: string };

const skillsPath = ['experiment', 'roadmap', 'skills'];

function skillNodes(doc: Document): YAMLMap[] | null {
  const skills = doc.getIn(skillsPath, true);
  return isSeq(skills) ? skills.items.filter((item): item is YAMLMap => isMap(item)) : null;
}

export function readRoadmap(text: string): ReadRoadmap {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    return { ok: false, reason: 'the YAML does not parse: fix it in the editor first' };
  if (doc.get('kind') !== 'roadmap')
    return { ok: false, reason: 'this definition is not a roadmap (kind: roadmap)' };
  const nodes = skillNodes(doc);
  if (!nodes) return { ok: false, reason: 'experiment.roadmap.skills is not a list of skills yet' };
  const skills = nodes.map((node): RoadmapSkill => {
    const prerequisites = node.get('prerequisites');
    return {
      id: String(node.get('id') ?? ''),
      title: String(node.get('title') ?? node.get('id') ?? ''),
      prerequisites: isSeq(prerequisites)
        ? prerequisites.items.map((item) => String(isScalar(item) ? item.value : item))
        : [],
    };
  });
  const name = doc.getIn(['experiment', 'roadmap', 'name']);
  return { ok: true, name: typeof name === 'string' ? name : null, skills };
}

/**
 * The text with `prerequisite` added to (or removed from) the prerequisites of `skillId`. Only the
 * skill's prerequisite list is rewritten, in the style it was written in (`[a, b]` or one `- a`
 * per line); every other byte of the file stays as it was.
 */
export function setPrerequisite(
  text: string,
  skillId: string,
  prerequisite: string,
  present: boolean,
): string {
  const doc = parseDocument(text);
  const node = skillNodes(doc)?.find((n) => String(n.get('id')) === skillId);
  if (!node) throw new Error(`no skill "${skillId}" in experiment.roadmap.skills`);
  const current = node.get('prerequisites', true);
  const idOf = (item: unknown) => String(isScalar(item) ? item.value : item);
  const listed = isSeq(current) ? current.items.map(idOf) : [];
  const next = present ? [...new Set([...listed, prerequisite])] : listed.filter((id) => id !== prerequisite);
  if (next.length === listed.length && next.every((id, i) => id === listed[i])) return text;
  const range = isSeq(current) ? current.range : undefined;
  if (!isSeq(current) || !range) {
    // No list to edit in place: let the YAML library write the skill's new key.
    const seq = doc.createNode(next);
    seq.flow = true;
    node.set('prerequisites', seq);
    return doc.toString({ lineWidth: 0 });
  }
  if (current.flow || next.length === 0) {
    return `${text.slice(0, range[0])}[${next.join(', ')}]${text.slice(range[1])}`;
  }
  // A block list: one `- id` line per prerequisite, indented as its first item was.
  const lineStart = text.lastIndexOf('\n', range[0] - 1) + 1;
  const indent = text.slice(lineStart, range[0]);
  const end = text.slice(range[0], range[1]).trimEnd().length + range[0];
  return `${text.slice(0, range[0])}${next.map((id, i) => `${i === 0 ? '' : indent}- ${id}`).join('\n')}${text.slice(end)}`;
}

/**
 * The cycle that making `prerequisite` a prerequisite of `skill` would close (skill → … →
 * prerequisite → skill, by ids), or null when it closes none.
 */
export function cycleThrough(
  skills: readonly RoadmapSkill[],
  skill: string,
  prerequisite: string,
): string[] | null {
  if (skill === prerequisite) return [skill, skill];
  const byId = new Map(skills.map((s) => [s.id, s]));
  // A cycle exists when `skill` is already (transitively) a prerequisite of `prerequisite`.
  const path = (from: string, seen: Set<string>): string[] | null => {
    if (from === skill) return [skill];
    if (seen.has(from)) return null;
    seen.add(from);
    for (const next of byId.get(from)?.prerequisites ?? []) {
      const rest = path(next, seen);
      if (rest) return [from, ...rest];
    }
    return null;
  };
  const found = path(prerequisite, new Set());
  return found ? [skill, ...found] : null;
}
