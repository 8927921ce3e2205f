// The trained network of a run, rebuilt with its weights, for export to other frameworks
// (`lab export-model`, LabApi.exportModel). Where it comes from:
//   - a distillation run's `model` artifact (an MLP; its architecture is in the artifact);
//   - a meta-training run's `optimizer` artifact (the learned optimizer; its step is the graph);
//   - an optimizer-comparison run on mnist-mlp or convnet: the network its config describes, with
//     the parameters of the run's latest checkpoint.
// Anything else is an error saying what can be exported.
import { fn, type CompiledFunction } from '../../engine/compile/fn.ts';
import type { Variable } from '../../engine/core/graph.ts';
import type { NDArray } from '../../engine/core/ndarray.ts';
import { decodeSafetensors } from '../../engine/io/safetensors.ts';
import { torchSequentialSource } from '../../engine/io/frameworkNames.ts';
import type { Activation } from '../../engine/nn/activation.ts';
import type { Module } from '../../engine/nn/module.ts';
import { MLP, Sequential } from '../../engine/nn/sequential.ts';
import { loadLearnedOptimizer } from '../../engine/optim/learnedArtifact.ts';
import { Rng } from '../../engine/random/rng.ts';
import { matrix, tensor, vector } from '../../engine/tensor.ts';
import { readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { UserError } from '../userError.ts';
import { latestCheckpoint, runModels } from '../store/artifactStore.ts';
import { getRun } from '../store/runStore.ts';
import type { RunRecord } from '../store/records.ts';
import { readCheckpointFile } from '../workers/checkpointFile.ts';
import {
  readModelFile,
  loadModelInto,
  describeArchitecture,
} from '../lab/kinds/distillation/modelArtifact.ts';
import {
  buildConvNet,
  convNetLogits,
  convNetProblem,
} from '../lab/kinds/optimizerComparison/convNetTrainer.ts';
import type { OptimizerRunConfig } from '../lab/kinds/optimizerComparison/runConfig.ts';

export interface RunModel {
  /** What it is, for people: "ConvNet [1, 28, 28] → 10 from run 12's checkpoint at step 1000". */
  description: string;
  /** A short stem for file names: `run-12-convnet`. */
  fileStem: string;
  /** The network with the run's weights. */
  module: Module;
  /** The inference function ONNX export takes, with the names its inputs and outputs get. */
  inference(): { fn: CompiledFunction; inputNames: string[]; outputNames: string[] };
  /** Python source of the PyTorch twin, where the model has one. */
  torchSource?: string;
}

/** Sets a module's parameters from a trainer checkpoint (optimizer state and the rest ignored). */
function loadFromCheckpoint(module: Module, run: RunRecord, db: Database): number {
  const checkpoint = latestCheckpoint(db, run.id);
  if (!checkpoint) {
    throw new UserError(
      `run ${run.id} has no checkpoint yet, so no trained weights to export (it is ${run.status})`,
    );
  }
  const { state } = readCheckpointFile(checkpoint.path);
  const { tensors } = decodeSafetensors(state, checkpoint.path);
  const values: Record<string, NDArray> = {};
  for (const [name] of module.namedParameters()) {
    if (!tensors[name]) {
      throw new UserError(
        `${checkpoint.path}: the checkpoint of run ${run.id} has no tensor ${name}; it was written by another model`,
      );
    }
    values[name] = tensors[name];
  }
  module.loadStateDict(values);
  return checkpoint.step;
}

function classifier(
  module: Sequential,
  description: string,
  fileStem: string,
  logits: (x: Variable) => Variable,
  inputs: number,
): RunModel {
  return {
    description,
    fileStem,
    module,
    torchSource: torchSequentialSource(module),
    inference: () => {
      const x = matrix('images', 'float32', [null, inputs]);
      return { fn: fn([x], logits(x)), inputNames: ['images'], outputNames: ['logits'] };
    },
  };
}

/** A convnet run's trained parameters: its model artifact (written when it ends), else its latest checkpoint. */
function loadConvNetWeights(net: Module, run: RunRecord, db: Database): string {
  const artifact = runModels(db, run.id).find((a) => a.name === 'model');
  if (!artifact) return `checkpoint at step ${loadFromCheckpoint(net, run, db)}`;
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(artifact.path)), artifact.path);
  net.loadStateDict(tensors);
  return `model artifact (step ${artifact.step})`;
}

function fromOptimizerComparison(run: RunRecord, db: Database): RunModel | null {
  const config = run.config as OptimizerRunConfig;
  if (run.trainer === 'convnet') {
    const net = buildConvNet(convNetProblem(config), new Rng(0));
    const source = loadConvNetWeights(net, run, db);
    const what = `ConvNet [${net.inputShape.join(', ')}] → 10 (${net.specs.map((s) => s.type).join(', ')})`;
    return classifier(
      net,
      `${what} from run ${run.id}'s ${source}`,
      `run-${run.id}-convnet`,
      (x) => convNetLogits(net, x),
      784,
    );
  }
  if (run.trainer === 'mnist-mlp') {
    const { hidden, activation } = config.problem as unknown as { hidden: number[]; activation: Activation };
    const mlp = new MLP([784, ...hidden, 10], { rng: new Rng(0), activation });
    const step = loadFromCheckpoint(mlp, run, db);
    return classifier(
      mlp,
      `MLP ${[784, ...hidden, 10].join('-')} (${activation}) from run ${run.id}'s checkpoint at step ${step}`,
      `run-${run.id}-mlp`,
      (x) => mlp.forward(x),
      784,
    );
  }
  return null;
}

function fromArtifacts(run: RunRecord, db: Database): RunModel | null {
  const artifacts = runModels(db, run.id);
  const model = artifacts.find((a) => a.name === 'model');
  if (model) {
    const loaded = readModelFile(model.path, model.meta);
    const a = loaded.architecture;
    if (a.type !== 'mlp') {
      throw new UserError(
        `run ${run.id}'s model is ${describeArchitecture(a)}; export-model exports MLPs, conv nets and learned optimizers — ` +
          `the translation model's weights are the run's artifact ${model.path} (safetensors)`,
      );
    }
    const mlp = new MLP([a.inputs, ...a.hidden, a.classes], { rng: new Rng(0), activation: a.activation });
    loadModelInto(mlp, loaded);
    return classifier(
      mlp,
      `${describeArchitecture(a)} from run ${run.id}'s model artifact`,
      `run-${run.id}-mlp`,
      (x) => mlp.forward(x),
      a.inputs,
    );
  }
  const optimizer = artifacts.find((a) => a.name === 'optimizer');
  if (optimizer) {
    const { rule } = loadLearnedOptimizer(optimizer.path);
    return {
      description: `learned optimizer (${rule.config.kind}) from run ${run.id}'s optimizer artifact`,
      fileStem: `run-${run.id}-learned-optimizer`,
      module: rule.module,
      inference: () => {
        if (rule.config.kind !== 'lstm') {
          throw new UserError(
            `run ${run.id}'s learned optimizer is an ${rule.config.kind} rule, whose step needs the optimizee's tensor sizes; ` +
              'export its weights (--format safetensors or npz) instead of its graph',
          );
        }
        const g = vector('gradient');
        const theta = vector('parameters');
        const state = rule
          .stateShapes(1)
          .map((s, i) => tensor('float32', [null, ...s.slice(1)], `state${i}`));
        const step = rule.apply({ g, theta, state, groups: [] });
        return {
          fn: fn([g, theta, ...state], [step.update, ...step.state]),
          inputNames: ['gradient', 'parameters', ...state.map((_, i) => `state${i}`)],
          outputNames: ['update', ...state.map((_, i) => `next_state${i}`)],
        };
      },
    };
  }
  return null;
}

/** The trained network of run `runId`, with its weights. */
export function loadRunModel(db: Database, runId: number): RunModel {
  const run = getRun(db, runId);
  if (!run) throw new UserError(`there is no run ${runId} (\`lab show <experiment>\` lists runs)`);
  const found = fromOptimizerComparison(run, db) ?? fromArtifacts(run, db);
  if (found) return found;
  throw new UserError(
    `run ${runId} (trainer ${run.trainer}) has no model export-model knows: it exports a distillation run's model, ` +
      "a meta-training run's learned optimizer, and the network of an optimizer-comparison run on mnist-mlp or convnet",
  );
}
