// `lab export-model` end to end: a small convnet optimizer-comparison run through the CLI, then
// its network exported three ways and each file read by its framework on the same images —
// onnxruntime runs the ONNX file, PyTorch loads the safetensors state_dict into the twin whose
// source the file carries, and the Keras-layout .npz is imported back into a fresh ConvNet; all
// three give the same logits; `lab import-weights` maps the state_dict back with its report.
// Misuse, a wrong-shape tensor and a run without a model fail saying what to do.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import * as T from '../../../engine/index.ts';
import { importWeights } from '../../../engine/io/importWeights.ts';
import { decodeSafetensors, encodeSafetensors } from '../../../engine/io/safetensors.ts';
import { readWeightsFile } from '../../../engine/io/weightFiles.ts';
import { Rng } from '../../../engine/random/rng.ts';
import {
  buildConvNet,
  convNetLogits,
  type ConvNetProblem,
} from '../../../main/lab/kinds/optimizerComparison/convNetTrainer.ts';
import { createLabService } from '../../../main/api/labService.ts';
import { labApiHandlers } from '../../../main/api/labApiTransport.ts';
import { projectRoot } from '../../../native/paths.ts';
import { findPython, runPythonJson } from '../../support/python.ts';

const labBin = join(projectRoot, 'bin', 'lab.js');
const dir = mkdtempSync(join(tmpdir(), 'lab-export-model-'));
const db = join(dir, 'lab.db');

function lab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [labBin, ...args], { cwd: dir, env: { ...process.env, LAB_DB: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const problem = {
  name: 'convnet',
  layers: [
    { type: 'conv', channels: 3, kernel: 3, padding: 1, activation: 'relu' },
    { type: 'maxpool', kernel: 2 },
    { type: 'conv', channels: 4, kernel: 3, stride: 2, activation: 'tanh' },
    { type: 'avgpool', kernel: 2, ceilMode: true, countIncludePad: false },
    { type: 'flatten' },
    { type: 'dense', units: 10 },
  ],
  batchSize: 16,
  trainSize: 128,
  validationSize: 32,
};

const definition = `version: 1
kind: optimizer-comparison
experiment:
  name: export-me
  seed: 3
  problem: ${JSON.stringify(problem)}
  training: { steps: 12, evalEvery: 6, checkpointEvery: 6 }
  optimizers: [{ name: adam, lr: 0.01 }]
  report: { seeds: 2 }
`;

const images = new Rng(8).uniformRange([3, 784], 0, 1, 'float32');
const torch = findPython('torch');

let runFinished = { code: null as number | null, stderr: '' };
beforeAll(async () => {
  writeFileSync(join(dir, 'export-me.yaml'), definition);
  runFinished = await lab('run', 'export-me.yaml', '--db', db, '--jobs', '2');
}, 120_000);

async function onnxLogits(path: string): Promise<number[]> {
  const session = await ort.InferenceSession.create(path);
  const out = await session.run({ images: new ort.Tensor('float32', images.data as Float32Array, [3, 784]) });
  return Array.from(out.logits.data as Float32Array);
}

function expectSame(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    if (Math.abs(g - want[i]) > 1e-4 * Math.max(1, Math.abs(want[i])))
      expect.fail(`${what}: logit ${i} is ${g}, ${want[i]} expected`);
  });
}

describe('lab export-model', () => {
  it('exports a convnet run as ONNX, a PyTorch state_dict and Keras arrays that agree on the same images', async () => {
    expect(runFinished.code, runFinished.stderr).toBe(0);
    const onnx = await lab('export-model', '1', '--db', db, '--format', 'onnx', '--out', 'model.onnx');
    expect(onnx.code, onnx.stderr).toBe(0);
    expect(onnx.stdout).toMatch(
      /wrote model\.onnx \(\d+ bytes\)\nONNX model \(opset 17\) of ConvNet \[1, 28, 28\] → 10 .* from run 1's model artifact \(step 12\)/,
    );
    expect(onnx.stdout).toContain('inputs: images float32[N, 784]; outputs: logits float32[N, 10]');
    const fromOnnx = await onnxLogits(join(dir, 'model.onnx'));

    const st = await lab('export-model', '1', '--db', db, '--format', 'safetensors');
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toContain('wrote run-1-convnet.safetensors');
    expect(st.stdout).toContain(
      "in pytorch's names and layouts: 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias",
    );

    const npz = await lab('export-model', '1', '--db', db, '--format', 'npz');
    expect(npz.code, npz.stderr).toBe(0);
    expect(npz.stdout).toContain("in keras's names and layouts: conv2d/kernel, conv2d/bias, conv2d_1/kernel");
    const net = buildConvNet(problem as unknown as ConvNetProblem, new Rng(99));
    importWeights(net, (await readWeightsFile(join(dir, 'run-1-convnet.npz'))).tensors, {
      framework: 'keras',
    });
    const x = T.matrix('images', 'float32', [null, 784]);
    const fromKeras = (T.fn([x], convNetLogits(net, x))(images) as T.NDArray).toFlat();
    expectSame(fromKeras, fromOnnx, 'Keras-layout arrays imported back vs onnxruntime');

    if (torch.python === null) {
      console.log(`[export-model] PyTorch check skipped: ${torch.reason}`);
      return;
    }
    const { metadata, tensors } = decodeSafetensors(
      readFileSync(join(dir, 'run-1-convnet.safetensors')),
      'export',
    );
    const fromTorch = runPythonJson<number[]>(
      torch.python,
      String.raw`
import json, sys
import numpy as np
import torch
import torch.nn as nn
job = json.load(sys.stdin)
model = eval(job['source'])
model.load_state_dict({k: torch.tensor(v['data'], dtype=torch.float32).reshape(v['shape']) for k, v in job['tensors'].items()}, strict=True)
x = torch.tensor(job['images'], dtype=torch.float32).reshape(3, 1, 28, 28)
json.dump(model(x).detach().reshape(-1).tolist(), sys.stdout)
`,
      {
        source: metadata.pytorch,
        tensors: Object.fromEntries(
          Object.entries(tensors).map(([k, v]) => [k, { data: v.toFlat(), shape: v.shape }]),
        ),
        images: images.toFlat(),
      },
    );
    expectSame(fromTorch, fromOnnx, 'PyTorch twin on the state_dict vs onnxruntime');
  });

  it("lab import-weights: the PyTorch state_dict back onto the run's network, with the report; a wrong shape is named", async () => {
    // Files of the first test: the PyTorch-layout safetensors; the lab's own layout to compare with.
    const own = await lab(
      'export-model',
      '1',
      '--db',
      db,
      '--format',
      'safetensors',
      '--framework',
      'lab',
      '--out',
      'own.safetensors',
    );
    expect(own.code, own.stderr).toBe(0);
    const back = await lab(
      'import-weights',
      '1',
      '--db',
      db,
      '--from',
      'run-1-convnet.safetensors',
      '--out',
      'back.safetensors',
    );
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(
      'pytorch weights from run-1-convnet.safetensors: 6 matched, 0 missing, 0 not used',
    );
    expect(back.stdout).toMatch(/convnet\.5\.W ← 7\.weight \(10, 36\) \(dense\.weight: transposed\)/);
    const want = decodeSafetensors(readFileSync(join(dir, 'own.safetensors')), 'own').tensors;
    const got = decodeSafetensors(readFileSync(join(dir, 'back.safetensors')), 'back').tensors;
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const name of Object.keys(want)) expect(got[name].toFlat(), name).toEqual(want[name].toFlat());

    const { tensors } = decodeSafetensors(readFileSync(join(dir, 'run-1-convnet.safetensors')), 'export');
    writeFileSync(
      join(dir, 'bad.safetensors'),
      encodeSafetensors({
        ...tensors,
        '0.weight': T.NDArray.from(new Array<number>(75).fill(0), [3, 1, 5, 5], 'float32'),
      }),
    );
    const bad = await lab('import-weights', '1', '--db', db, '--from', 'bad.safetensors');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/0\.weight.*\(3, 1, 5, 5\).*\(3, 1, 3, 3\)/);
    const usage = await lab('import-weights', '1', '--db', db);
    expect([usage.code, usage.stderr]).toEqual([
      2,
      expect.stringContaining('import-weights needs --from <file>'),
    ]);
  });

  it('refuses a bad format, a framework for ONNX, a run that does not exist', async () => {
    const bad = await lab('export-model', '1', '--db', db, '--format', 'pt');
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining('export-model needs --format onnx|safetensors|npz, got "pt"'),
    ]);
    const fw = await lab('export-model', '1', '--db', db, '--format', 'onnx', '--framework', 'keras');
    expect(fw.code).toBe(2);
    expect(fw.stderr).toContain('ONNX has its own');
    const missing = await lab('export-model', '7', '--db', db, '--format', 'onnx');
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('there is no run 7')]);
  });

  it('LabApi.exportModel: the same file through a child process, base64 for the app; arguments checked; getRun says what it exports', async () => {
    const api = createLabService({ dbPath: db, poolSize: 1 });
    try {
      // The run page offers Export model because the run detail names what it would export.
      expect((await api.getRun(1))?.exportableModel).toBe('the model artifact (step 12)');
      const file = await api.exportModel(1, 'onnx');
      expect(file.fileName).toBe('run-1-convnet.onnx');
      expect(file.summary[0]).toContain('ONNX model (opset 17)');
      writeFileSync(join(dir, 'from-api.onnx'), Buffer.from(file.base64, 'base64'));
      expectSame(
        await onnxLogits(join(dir, 'from-api.onnx')),
        await onnxLogits(join(dir, 'model.onnx')),
        'API vs CLI',
      );
      const theano = await api.exportModel(1, 'npz', 'theano');
      expect(theano.summary[0]).toContain("in theano's names and layouts: convnet.0.W, convnet.0.b");
      await expect(api.exportModel(9, 'onnx')).rejects.toThrow(/there is no run 9/);
      const handlers = labApiHandlers(api);
      await expect(handlers.exportModel([1, 'pt'])).rejects.toThrow(
        /LabApi.exportModel: argument 2 must be one of onnx, safetensors, npz, got "pt"/,
      );
    } finally {
      await api.close();
    }
  });
});
