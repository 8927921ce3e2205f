// A roadmap is a DAG of skills: each skill names the skills it builds on (its prerequisites).
// Everything that makes one unusable is found here, each at the key of the file it is about:
// duplicate ids, unknown prerequisites (with the id that was probably meant), cycles (named skill
// by skill), skills with no task, and skills that can never be started because something they
// build on, directly or not, is broken. The roadmap order — every skill after its prerequisites,
// otherwise in file order — is the order manual teachers follow and R's stages are counted in.
import { didYouMean } from '../../definitions/schemaProblems.ts';

export interface RoadmapGraphSkill {
  id: string;
  task?: unknown;
  prerequisites?: readonly string[];
}

export interface RoadmapIssue {
  /** Key path below the roadmap (`skills`, 2, `prerequisites`, 0). */
  path: (string | number)[];
  message: string;
  target?: 'key' | 'value';
}

/** Indices of skills by id (the first skill with an id wins). */
function indexById(skills: readonly RoadmapGraphSkill[]): Map<string, number> {
  const byId = new Map<string, number>();
  skills.forEach((s, i) => {
    if (!byId.has(s.id)) byId.set(s.id, i);
  });
  return byId;
}

/** Prerequisite indices of every skill (unknown ids left out). */
export function prerequisiteIndices(skills: readonly RoadmapGraphSkill[]): number[][] {
  const byId = indexById(skills);
  return skills.map((s) => (s.prerequisites ?? []).flatMap((p) => (byId.has(p) ? [byId.get(p)!] : [])));
}

/** The cycles of the prerequisite graph, each as the skill indices around it (Tarjan's SCCs). */
export function findCycles(needs: readonly (readonly number[])[]): number[][] {
  const n = needs.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  // Iterative, so a roadmap of thousands of skills cannot overflow the call stack.
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const { node } = frame;
      if (frame.next < needs[node].length) {
        const to = needs[node][frame.next++];
        if (index[to] < 0) {
          index[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = true;
          work.push({ node: to, next: 0 });
        } else if (onStack[to]) {
          low[node] = Math.min(low[node], index[to]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0)
        low[work[work.length - 1].node] = Math.min(low[work[work.length - 1].node], low[node]);
      if (low[node] === index[node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || needs[node].includes(node)) components.push(component);
      }
    }
  }
  return components;
}

/** One concrete cycle through a strongly connected component, starting at its first skill in file order. */
function cycleThrough(component: readonly number[], needs: readonly (readonly number[])[]): number[] {
  const members = new Set(component);
  const start = Math.min(...component);
  // Breadth-first from start back to start, inside the component: the shortest cycle through it.
  const previous = new Map<number, number>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const to of needs[at]) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [at];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return path;
      }
      if (!previous.has(to)) {
        previous.set(to, at);
        queue.push(to);
      }
    }
  }
  return [start];
}

export function roadmapIssues(
  skills: readonly RoadmapGraphSkill[],
  taskNames: readonly string[],
): RoadmapIssue[] {
  const issues: RoadmapIssue[] = [];
  const byId = indexById(skills);
  const ids = [...byId.keys()];
  // Why a skill cannot be trained by itself: what the "can never be started" message cites.
  const broken = new Map<number, string>();

  skills.forEach((skill, i) => {
    const first = byId.get(skill.id)!;
    if (first !== i) {
      issues.push({
        path: ['skills', i, 'id'],
        message: `duplicate skill id "${skill.id}": skills[${first}] already has it; every skill needs its own id`,
      });
    }
    if (skill.task === undefined) {
      issues.push({
        path: ['skills', i, 'id'],
        message: `skill "${skill.id}" has no task: give it task: { name: … } (one of ${taskNames.join(', ')})`,
      });
      broken.set(i, `"${skill.id}" has no task`);
    }
    (skill.prerequisites ?? []).forEach((p, k) => {
      if (byId.has(p)) return;
      const others = ids.filter((id) => id !== skill.id);
      issues.push({
        path: ['skills', i, 'prerequisites', k],
        message: `unknown prerequisite "${p}"${didYouMean(p, others)}: no skill has this id${others.length > 0 ? ` (skills: ${others.slice(0, 12).join(', ')}${others.length > 12 ? ', …' : ''})` : ''}`,
      });
      broken.set(i, `"${skill.id}" needs the unknown skill "${p}"`);
    });
  });

  const needs = prerequisiteIndices(skills);
  for (const component of findCycles(needs)) {
    const cycle = cycleThrough(component, needs);
    const named = [...cycle, cycle[0]].map((i) => skills[i].id).join(' → ');
    const from = cycle[0];
    const to = cycle.length > 1 ? cycle[1] : cycle[0];
    const k = (skills[from].prerequisites ?? []).indexOf(skills[to].id);
    issues.push({
      path: ['skills', from, 'prerequisites', Math.max(0, k)],
      message: `prerequisites form a cycle: ${named} (each needs the next): remove one of these prerequisites`,
    });
    for (const member of component) broken.set(member, `"${skills[member].id}" is in the cycle ${named}`);
  }

  // Skills downstream of a broken one can never have all their prerequisites mastered.
  const dependents: number[][] = skills.map(() => []);
  needs.forEach((list, i) => list.forEach((p) => dependents[p].push(i)));
  const blockedBy = new Map<number, number>();
  const queue = [...broken.keys()];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const next of dependents[at]) {
      if (broken.has(next) || blockedBy.has(next)) continue;
      blockedBy.set(next, at);
      queue.push(next);
    }
  }
  for (const [i, via] of [...blockedBy].sort((a, b) => a[0] - b[0])) {
    let root = via;
    while (blockedBy.has(root)) root = blockedBy.get(root)!;
    // `via` is one of i's own prerequisites (the search walks from a skill to those that need it).
    const needed = skills[i].prerequisites ?? [];
    issues.push({
      path: ['skills', i, 'prerequisites', Math.max(0, needed.indexOf(skills[via].id))],
      message: `skill "${skills[i].id}" can never be started: it builds on "${skills[via].id}", and ${broken.get(root)}`,
    });
  }
  return issues;
}

/**
 * Skill indices with every skill after its prerequisites, otherwise in file order (Kahn's
 * algorithm taking the earliest ready skill). Throws on a cycle: check roadmapIssues first.
 */
export function roadmapOrder(skills: readonly RoadmapGraphSkill[]): number[] {
  const needs = prerequisiteIndices(skills);
  const waiting = needs.map((list) => new Set(list).size);
  const dependents: number[][] = skills.map(() => []);
  needs.forEach((list, i) => new Set(list).forEach((p) => dependents[p].push(i)));
  // A binary heap of ready indices keeps this O(n log n) for large roadmaps.
  const ready: number[] = [];
  const push = (v: number) => {
    ready.push(v);
    for (let c = ready.length - 1; c > 0;) {
      const parent = (c - 1) >> 1;
      if (ready[parent] <= ready[c]) break;
      [ready[parent], ready[c]] = [ready[c], ready[parent]];
      c = parent;
    }
  };
  const pop = () => {
    const top = ready[0];
    const last = ready.pop()!;
    if (ready.length > 0) {
      ready[0] = last;
      for (let p = 0; ;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < ready.length && ready[l] < ready[m]) m = l;
        if (r < ready.length && ready[r] < ready[m]) m = r;
        if (m === p) break;
        [ready[m], ready[p]] = [ready[p], ready[m]];
        p = m;
      }
    }
    return top;
  };
  waiting.forEach((w, i) => w === 0 && push(i));
  const order: number[] = [];
  while (ready.length > 0) {
    const next = pop();
    order.push(next);
    for (const d of dependents[next]) if (--waiting[d] === 0) push(d);
  }
  if (order.length !== skills.length)
    throw new Error(
      'roadmapOrder: the prerequisites form a cycle (check the roadmap with roadmapIssues first)',
    );
  return order;
}
