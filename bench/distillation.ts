// `node bench/distillation.ts`: the distillation kind's training step against PyTorch doing the
// same step, one thread each, in the same invocation (medians after warm-up, bench/timing.ts's
// protocol on both sides):
//   kd_live_small   student 784-32-10 + mentor 784-128-10 forward, Hinton's loss (T = 4, α = 0.9),
//                   Adam — the mentor's forward pass compiled into the student's step: one call
//   kd_live_hinton  student 784-64-64-10 + mentor 784-1200-1200-10 forward (the paper's mentor)
//   kd_cached       the same student step with the mentor's logits fed from the cache
// and what the cache saves: computing the big mentor's logits once on the 8,000-digit transfer
// set against running its forward pass in each of a 3,000-step run's steps.
// The LAST line is one JSON object {workload: {lab_s, torch_s, speedup}, cache: {…}}.
// A program that prints numbers, not a test.
import { availableParallelism, loadavg } from 'node:os';
import * as T from '../engine/index.ts';
import { cpuBackend } from '../engine/backends/cpu/index.ts';
import { loadNativeAddon } from '../native/addon.ts';
import { distillationLoss } from '../engine/nn/distillation.ts';
import { DropoutMLP } from '../engine/nn/dropoutMlp.ts';
import { Adam } from '../engine/optim/adam.ts';
import { medianSeconds } from './timing.ts';
import { runTorchScript } from './torch.ts';

const batch = 100;
const kd = { temperature: 4, alpha: 0.9 };

interface Case {
  name: string;
  student: number[];
  mentor: number[];
  cached: boolean;
  warm: number;
  n: number;
}

const cases: Case[] = [
  { name: 'kd_live_small', student: [784, 32, 10], mentor: [784, 128, 10], cached: false, warm: 20, n: 200 },
  {
    name: 'kd_live_hinton',
    student: [784, 64, 64, 10],
    mentor: [784, 1200, 1200, 10],
    cached: false,
    warm: 5,
    n: 40,
  },
  {
    name: 'kd_cached',
    student: [784, 64, 64, 10],
    mentor: [784, 1200, 1200, 10],
    cached: true,
    warm: 20,
    n: 200,
  },
];

function labStep(c: Case): () => unknown {
  const rng = new T.Rng(1);
  const student = new DropoutMLP(c.student, { name: 'student', rng });
  const mentor = new DropoutMLP(c.mentor, { name: 'mentor', rng }).eval();
  const x = T.tensor('float32', [batch, 784], 'x');
  const y = T.tensor('int32', [batch], 'y');
  const cachedLogits = T.tensor('float32', [batch, 10], 'mentor_logits');
  const mentorLogits = c.cached ? cachedLogits : mentor.forward(x);
  const { loss } = distillationLoss(student.forward(x), mentorLogits, y, kd);
  const params = student.parameters();
  const step = T.fn(c.cached ? [x, y, cachedLogits] : [x, y], loss, {
    updates: new Adam({ lr: 1e-3 }).updates(params, T.grad(loss, params)),
    backend: cpuBackend,
  });
  const xs = T.rand([batch, 784], { seed: 2 });
  const ys = T.NDArray.from(
    Array.from({ length: batch }, (_, i) => i % 10),
    [batch],
    'int32',
  );
  const logits = T.randn([batch, 10], { seed: 3 });
  return c.cached ? () => step(xs, ys, logits) : () => step(xs, ys);
}

const torchScript = `
import json, sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(1)
cases = json.load(sys.stdin)
def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2: layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)
def median(call, warm, n):
    for _ in range(warm): call()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); call(); ts.append(time.perf_counter() - t)
    return sorted(ts)[n // 2]
out = {}
for c in cases:
    torch.manual_seed(1)
    student, mentor = mlp(c["student"]), mlp(c["mentor"]).eval()
    opt = torch.optim.Adam(student.parameters(), lr=1e-3)
    x = torch.rand(${batch}, 784); y = torch.arange(${batch}) % 10; cached = torch.randn(${batch}, 10)
    T, a = ${kd.temperature}, ${kd.alpha}
    def step():
        opt.zero_grad()
        if c["cached"]:
            m = cached
        else:
            with torch.no_grad(): m = mentor(x)
        z = student(x)
        soft = F.kl_div(F.log_softmax(z / T, 1), F.log_softmax(m / T, 1), reduction="batchmean", log_target=True)
        loss = a * T * T * soft + (1 - a) * F.cross_entropy(z, y)
        loss.backward(); opt.step()
        return loss
    out[c["name"]] = median(step, c["warm"], c["n"])
print(json.dumps({"version": torch.__version__, "seconds": out}))
`;

const torchSeconds = () =>
  runTorchScript<{ version: string; seconds: Record<string, number> }>(torchScript, cases);

const fmt = (s: number) => (s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : `${(s * 1e3).toFixed(2)} ms`);

function main(): void {
  loadNativeAddon().setThreads(1);
  console.log('== distillation: student step with its mentor, one thread, cpu backend vs PyTorch ==');
  // On a shared machine the load says how much the absolute times are stretched (both sides alike).
  console.log(`load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
  const torch = torchSeconds();
  if (torch) console.log(`PyTorch ${torch.version}`);
  const results: Record<string, unknown> = {};
  for (const c of cases) {
    const lab = medianSeconds(labStep(c), c.warm, c.n);
    const theirs = torch?.seconds[c.name] ?? null;
    const speedup = theirs === null ? null : theirs / lab;
    results[c.name] = { lab_s: lab, torch_s: theirs, speedup };
    console.log(
      `${c.name.padEnd(16)} lab ${fmt(lab).padStart(10)}   torch ${theirs === null ? '—' : fmt(theirs).padStart(10)}   ` +
        `${speedup === null ? '' : `${speedup.toFixed(2)}×`}`,
    );
  }
  // The cache: the big mentor's logits on 8,000 digits once, against its forward pass per step.
  const mentor = new DropoutMLP([784, 1200, 1200, 10], { name: 'mentor', rng: new T.Rng(1) }).eval();
  const rows = T.tensor('float32', [null, 784], 'x');
  const forward = T.fn([rows], mentor.forward(rows), { backend: cpuBackend });
  const transfer = T.rand([8000, 784], { seed: 4 });
  const once = medianSeconds(() => forward(transfer), 1, 3);
  const perStep =
    (results.kd_live_hinton as { lab_s: number }).lab_s - (results.kd_cached as { lab_s: number }).lab_s;
  const steps = 3000;
  results.cache = {
    logits_once_s: once,
    mentor_per_step_s: perStep,
    saved_over_3000_steps_s: perStep * steps - once,
  };
  console.log(
    `mentor logits on 8,000 digits once: ${fmt(once)}; the mentor's share of a live step: ${fmt(perStep)}; ` +
      `a ${steps}-step student run saves ${(perStep * steps - once).toFixed(1)} s with the cache`,
  );
  console.log(JSON.stringify(results));
}

main();
