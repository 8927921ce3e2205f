// `node bench/convnet.ts [--rounds N]`: a conv net's training step on the cpu backend against
// PyTorch doing the same step, one thread each, in the same invocation (medians after warm-up,
// bench/timing.ts's protocol on both sides, in N rounds that alternate the two); the goal is ≥ 2×
// (issue #16). Workloads:
//   lenet_b64    the convnet presets' network, 1×28×28 → conv5×5(8) → pool → conv5×5(16) → pool →
//                10, batch 64, Adam (what each run of curricula/convnet-mnist.yaml steps)
//   lenet_b16    the same at batch 16 (small tensors: per-op overhead shows)
//   cifar_b32    a CIFAR-style optimizee, 3×32×32 → conv3×3(32) → pool → conv3×3(64) → pool → 10,
//                batch 32, SGD
// and the im2col memory: the column buffer the conv kernels use (a few images of one group at a
// time, reused) against unfolding the whole batch at once.
// The LAST line is one JSON object {workload: {lab_s, torch_s, speedup, round_speedups}, im2col: {…}}.
// `--profile` adds each workload's per-step kernel times (bench/profile.ts).
// A program that prints numbers, not a test.
import { availableParallelism, loadavg } from 'node:os';
import * as T from '../engine/index.ts';
import type { Backend } from '../engine/backends/backend.ts';
import { cpuBackend } from '../engine/backends/cpu/index.ts';
import { recordingCpu } from '../engine/backends/cpu/recording.ts';
import { crossEntropy } from '../engine/nn/losses.ts';
import { ConvNet, type ConvNetLayerSpec } from '../engine/nn/convNet.ts';
import { Adam } from '../engine/optim/adam.ts';
import { SGD } from '../engine/optim/sgd.ts';
import { loadNativeAddon } from '../native/addon.ts';
import { printProfile } from './profile.ts';
import { fmt, median, medianSeconds } from './timing.ts';
import { runTorchScript } from './torch.ts';

interface Case {
  name: string;
  input: [number, number, number];
  layers: ConvNetLayerSpec[];
  batch: number;
  optimizer: 'adam' | 'sgd';
  warm: number;
  n: number;
}

const lenet: ConvNetLayerSpec[] = [
  { type: 'conv', channels: 8, kernel: 5, padding: 2, activation: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'conv', channels: 16, kernel: 5, padding: 2, activation: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 10 },
];
const cifar: ConvNetLayerSpec[] = [
  { type: 'conv', channels: 32, kernel: 3, padding: 1, activation: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'conv', channels: 64, kernel: 3, padding: 1, activation: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 10 },
];

const cases: Case[] = [
  { name: 'lenet_b64', input: [1, 28, 28], layers: lenet, batch: 64, optimizer: 'adam', warm: 10, n: 60 },
  { name: 'lenet_b16', input: [1, 28, 28], layers: lenet, batch: 16, optimizer: 'adam', warm: 20, n: 150 },
  { name: 'cifar_b32', input: [3, 32, 32], layers: cifar, batch: 32, optimizer: 'sgd', warm: 5, n: 30 },
];

function labStep(c: Case, backend: Backend): () => unknown {
  const net = new ConvNet(c.input, c.layers, { rng: new T.Rng(1) });
  const x = T.tensor('float32', [c.batch, ...c.input], 'x');
  const y = T.tensor('int32', [c.batch], 'y');
  const loss = crossEntropy(net.forward(x), y);
  const params = net.parameters();
  const optimizer = c.optimizer === 'adam' ? new Adam({ lr: 1e-3 }) : new SGD({ lr: 0.01 });
  const step = T.fn([x, y], loss, {
    updates: optimizer.updates(params, T.grad(loss, params)),
    backend,
  });
  const xs = T.rand([c.batch, ...c.input], { seed: 2 });
  const ys = T.NDArray.from(
    Array.from({ length: c.batch }, (_, i) => i % 10),
    [c.batch],
    'int32',
  );
  return () => step(xs, ys);
}

/** PyTorch's twin of each case (nn.Sequential, the same layers), stepping on the same shapes. */
const torchScript = String.raw`
import json, sys, time, torch
import torch.nn as nn
import torch.nn.functional as F
torch.set_num_threads(1)
cases = json.load(sys.stdin)
def net(c):
    layers, shape = [], c["input"][0]
    for l in c["layers"]:
        if l["type"] == "conv":
            layers.append(nn.Conv2d(shape, l["channels"], l["kernel"], padding=l.get("padding", 0)))
            shape = l["channels"]
            if l.get("activation") == "relu": layers.append(nn.ReLU())
        elif l["type"] == "maxpool": layers.append(nn.MaxPool2d(l["kernel"]))
        elif l["type"] == "flatten": layers.append(nn.Flatten())
        else: layers.append(nn.LazyLinear(l["units"]))
    return nn.Sequential(*layers)
def median(call, warm, n):
    for _ in range(warm): call()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); call(); ts.append(time.perf_counter() - t)
    return sorted(ts)[n // 2]
out = {}
for c in cases:
    torch.manual_seed(1)
    model = net(c)
    x = torch.rand(c["batch"], *c["input"]); y = torch.arange(c["batch"]) % 10
    model(x)  # materialise the lazy layer
    opt = torch.optim.Adam(model.parameters(), lr=1e-3) if c["optimizer"] == "adam" else torch.optim.SGD(model.parameters(), lr=0.01)
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward(); opt.step()
        return loss
    out[c["name"]] = median(step, c["warm"], c["n"])
print(json.dumps({"version": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(), "seconds": out}))
`;

const torchSeconds = () =>
  runTorchScript<{ version: string; mkldnn: boolean; seconds: Record<string, number> }>(torchScript, cases);

/** The conv kernels' column buffer per layer (bytes, float32) against unfolding the whole batch. */
function im2colMemory(c: Case): { layer: number; images: number; buffer: number; wholeBatch: number }[] {
  const net = new ConvNet(c.input, c.layers, { rng: new T.Rng(1) });
  return c.layers.flatMap((l, i) => {
    if (l.type !== 'conv') return [];
    const before = i === 0 ? c.input : net.shapes[i - 1];
    const k = typeof l.kernel === 'number' ? [l.kernel, l.kernel] : l.kernel;
    const groups = l.groups ?? 1;
    const rows = (before[0] / groups) * k[0] * k[1];
    const cols = net.shapes[i][1] * net.shapes[i][2];
    const images = loadNativeAddon().convImagesPerGemm(c.batch, rows, cols, 4);
    return [
      { layer: i, images, buffer: rows * cols * 4 * images, wholeBatch: rows * cols * 4 * c.batch * groups },
    ];
  });
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

/** Rounds of PyTorch-then-lab timings (`--rounds N`, default 3). */
const ROUNDS = ((): number => {
  const at = process.argv.indexOf('--rounds');
  if (at < 0) return 3;
  const n = Number(process.argv[at + 1]);
  if (Number.isInteger(n) && n >= 1) return n;
  console.error(`bench/convnet.ts: --rounds wants a positive integer, got '${process.argv[at + 1] ?? ''}'`);
  process.exit(2);
})();

function main(): void {
  const addon = loadNativeAddon();
  addon.setThreads(1);
  console.log(
    `== conv net training step, one thread, cpu backend (GEMM ${addon.isaInfo().selected}) vs PyTorch ==`,
  );
  // On a shared machine the load says how much the absolute times are stretched (both sides alike).
  console.log(`load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
  // The host's speed drifts by minutes: PyTorch and the lab take turns, ROUNDS times, and each
  // case reports the median of its per-round ratios (each round's two sides minutes apart at most).
  const profiling = process.argv.includes('--profile');
  const { backend, prepared } = profiling ? recordingCpu() : { backend: cpuBackend, prepared: [] };
  const steps = cases.map((c) => labStep(c, backend));
  const labTimes: number[][] = cases.map(() => []);
  const torchTimes: number[][] = cases.map(() => []);
  let torchVersion: { version: string; mkldnn: boolean } | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const torch = torchSeconds();
    if (torch) torchVersion = torch;
    cases.forEach((c, i) => {
      labTimes[i].push(medianSeconds(steps[i], c.warm, c.n));
      if (torch) torchTimes[i].push(torch.seconds[c.name]);
    });
  }
  if (torchVersion) {
    console.log(
      `PyTorch ${torchVersion.version} (mkldnn ${torchVersion.mkldnn ? 'available' : 'not available'})`,
    );
  }
  console.log(
    `${ROUNDS} rounds, PyTorch then the lab in each; per case: medians, and the median of the rounds' ratios`,
  );
  const results: Record<string, unknown> = {};
  cases.forEach((c, i) => {
    const lab = median(labTimes[i]);
    const theirs = torchTimes[i].length === ROUNDS ? median(torchTimes[i]) : null;
    const ratios = theirs === null ? [] : torchTimes[i].map((t, r) => t / labTimes[i][r]);
    const speedup = theirs === null ? null : median(ratios);
    results[c.name] = { lab_s: lab, torch_s: theirs, speedup, round_speedups: ratios };
    const range = ratios.length
      ? ` (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
      : '';
    console.log(
      `${c.name.padEnd(11)} lab ${fmt(lab).padStart(10)}   torch ${fmt(theirs).padStart(10)}   ` +
        `${speedup === null ? '' : `${speedup.toFixed(2)}×${range} ${speedup >= 2 ? '(goal ≥ 2× met)' : '(goal ≥ 2× not met)'}`}`,
    );
    if (profiling) printProfile({ name: c.name, run: steps[i] }, prepared[i], 10);
  });
  const memory: Record<string, unknown> = {};
  console.log(
    'im2col memory (float32): the kernels unfold a few images of one group at a time, reusing one buffer',
  );
  for (const c of cases) {
    const layers = im2colMemory(c);
    memory[c.name] = layers;
    for (const l of layers) {
      console.log(
        `  ${c.name} layer ${l.layer}: ${kib(l.buffer)} for ${l.images} image(s) per GEMM (the buffer used) vs ${kib(l.wholeBatch)} for the batch of ${c.batch} at once`,
      );
    }
  }
  results.im2col = memory;
  console.log(`load average at the end ${loadavg()[0].toFixed(2)}`);
  console.log(JSON.stringify(results));
}

main();
