// The roadmap kind's speed (issue 15), a program that prints numbers:
//   1. teacher overhead on TSCL's addition: median time of one teacher decision (probabilities,
//      the draw, observing the batch's score) against one learner step of the addition LSTM
//      (1..5 digits, hidden 128, embedding 32, batch 32, Adam, clip 2 — addition-tscl.yaml's
//      learner), for every teacher; the issue asks for ≤ 5 % of a step;
//   2. a roadmap of 200 skills (a random DAG, up to 3 prerequisites each) validated as a
//      definition (schema, DAG checks, task parameters, with positions) and laid out; the issue
//      asks for < 200 ms.
// Run: node bench/roadmap.ts
import { characterTaskOf } from '../main/lab/kinds/roadmap/tasks.ts';
import { SequenceLearner } from '../main/lab/kinds/roadmap/learners/sequenceLearner.ts';
import { learnerOptimizer } from '../main/lab/kinds/roadmap/learners/learnerOptimizer.ts';
import { parseRoadmapConfig } from '../main/lab/kinds/roadmap/config.ts';
import { createTeacher } from '../main/lab/kinds/roadmap/teachers/createTeacher.ts';
import { drawSkill } from '../main/lab/kinds/roadmap/teachers/teacher.ts';
import { layoutRoadmap } from '../main/lab/kinds/roadmap/roadmapLayout.ts';
import { checkDefinition } from '../main/lab/loadDefinition.ts';
import { Rng } from '../engine/random/rng.ts';
import { median } from './timing.ts';

const digits = [1, 2, 3, 4, 5];

/**
 * Median CPU seconds and wall seconds per call, over `n` samples of `batch` calls each after
 * `warm` calls. CPU time (this process's user + system) is the fair measure on a shared machine,
 * where wall time includes waiting for a core; both are printed.
 */
function medianTimes(call: () => unknown, warm: number, n: number, batch = 1): { cpu: number; wall: number } {
  for (let i = 0; i < warm; i++) call();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const startCpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let j = 0; j < batch; j++) call();
    wall.push(Number(process.hrtime.bigint() - start) / 1e9 / batch);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1e6 / batch);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const ms = (seconds: number) => (seconds * 1e3).toFixed(2);

function teacherOverhead(): void {
  const tasks = digits.map((d) => characterTaskOf({ name: 'addition', digits: d, reverse: true }));
  const learner = new SequenceLearner(
    tasks,
    {
      model: { cell: 'lstm', hidden: 128, embedding: 32, layers: 1 },
      batchSize: 32,
      clipNorm: 2,
      validation: { examples: 100, seed: 1 },
    },
    learnerOptimizer({ name: 'adam', lr: 0.003 }),
    1,
  );
  let skill = 0;
  const step = medianTimes(
    () => learner.trainStep((skill = (skill + 1) % digits.length), { predictionGain: false }),
    5,
    40,
  );
  const gainStep = medianTimes(
    () => learner.trainStep((skill = (skill + 1) % digits.length), { predictionGain: true }),
    3,
    20,
  );
  console.log(
    `addition LSTM step (1..5 digits in turn, hidden 128, batch 32): ${ms(step.cpu)} ms CPU (${ms(step.wall)} ms wall); ` +
      `with the prediction gain Exp3.S asks for (a second forward pass): ${ms(gainStep.cpu)} ms CPU (${ms(gainStep.wall)} ms wall)`,
  );
  // The teacher specs with the schema's defaults filled in, as a definition would have them.
  const { teachers: specs } = parseRoadmapConfig({
    name: 'bench',
    roadmap: { name: 'bench', skills: [] },
    learner: { model: { name: 'scripted' } },
    teachers: [
      { name: 'uniform' },
      { name: 'manual', review: 0.5 },
      { name: 'last-task-only' },
      ...['tscl-online', 'tscl-naive', 'tscl-window', 'tscl-sampling'].map((name) => ({
        name,
        slope: 'absolute',
      })),
      { name: 'exp3s' },
    ],
    budget: { steps: 1_000_000 },
  });
  const skills = digits.map((d, i) => ({ id: `add${d}`, prerequisites: i === 0 ? [] : [i - 1] }));
  const drawRng = new Rng(3, 1);
  const scoreRng = new Rng(4, 1);
  console.log('teacher          decision (µs CPU)   share of a learner step (CPU)');
  for (const spec of specs) {
    const teacher = createTeacher(spec, { skills, budgetSteps: 1_000_000, rng: new Rng(2, 1) });
    const mastered = digits.map(() => false);
    let steps = 0;
    const decide = () => {
      const chosen = drawSkill(teacher.probabilities({ step: steps, mastered }), drawRng);
      const observation = { skill: chosen, score: scoreRng.float(), predictionGain: scoreRng.float() };
      teacher.observe(observation, { step: ++steps, mastered });
    };
    const { cpu } = medianTimes(decide, 2000, 30, 500);
    const share = cpu / (teacher.needsPredictionGain ? gainStep.cpu : step.cpu);
    console.log(
      `${spec.name.padEnd(16)} ${(cpu * 1e6).toFixed(2).padStart(16)}   ${(100 * share).toFixed(4)} %`,
    );
  }
}

/** A definition with a random DAG of `n` skills (each needs up to 3 earlier ones). */
function bigRoadmap(n: number): string {
  const rng = new Rng(7, 1);
  const lines = ['version: 1', 'kind: roadmap', 'experiment:', '  name: big', '  roadmap:', '    name: big'];
  lines.push('    skills:');
  for (let i = 0; i < n; i++) {
    const needs = new Set<number>();
    const count = i === 0 ? 0 : 1 + Math.floor(rng.float() * Math.min(3, i));
    while (needs.size < count) needs.add(Math.floor(rng.float() * i));
    const prerequisites = [...needs].map((p) => `s${p}`).join(', ');
    lines.push(
      `      - { id: s${i}, task: { name: copy, length: ${1 + (i % 5)} }, prerequisites: [${prerequisites}], mastery: { inARow: 10 } }`,
    );
  }
  lines.push(
    '  learner: { model: { name: scripted } }',
    '  teachers: [{ name: uniform }]',
    '  budget: { steps: 10 }',
  );
  return `${lines.join('\n')}\n`;
}

async function bigRoadmapTimes(): Promise<void> {
  const text = bigRoadmap(200);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 12; i++) {
    const startCpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const checked = await checkDefinition(text, 'big.yaml');
    if (!checked.ok)
      throw new Error(`the generated roadmap has problems: ${JSON.stringify(checked.problems)}`);
    const { roadmap } = checked.definition.experiment as {
      roadmap: { skills: { id: string; prerequisites: string[] }[] };
    };
    if (layoutRoadmap(roadmap.skills).placements.length !== 200) throw new Error('the layout lost skills');
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1e3);
  }
  console.log(
    `roadmap of 200 skills, validated as a definition and laid out: median ${median(cpu).toFixed(1)} ms CPU ` +
      `(${median(wall).toFixed(1)} ms wall); the first, cold (schemas compiled): ${cpu[0].toFixed(1)} ms CPU`,
  );
}

teacherOverhead();
await bigRoadmapTimes();
