// The translation trainer of a distillation experiment (Kim & Rush 2016, "Sequence-Level
// Knowledge Distillation", on the toy language of engine/data/toy-translation.ts), on the graph
// engine. A teacher (the mentor) and the students are attention encoder–decoders trained with
// teacher forcing. A student learns from
//   the references                         (baseline: cross-entropy per target word),
//   the teacher's distribution at each word (word-level KD: Hinton et al.'s loss per word, the
//                                            teacher fed the same prefix; its logits cached or
//                                            computed in the student's step),
//   the teacher's beam translations          (sequence-level KD: the references replaced by the
//                                            teacher's beam output for each training sentence,
//                                            or by its beam hypothesis closest to the reference —
//                                            seq-inter), computed once per teacher and cached.
// Evaluation: per-word cross-entropy and perplexity on the validation references; BLEU, exact
// match and correct translations of greedy decoding on validation sentences; at the last step the
// same on the whole test set for greedy and beam decoding, with decode speed.
import { performance } from 'node:perf_hooks';
import { fn, type CompiledFunction } from '../../../../engine/compile/fn.ts';
import type { Variable } from '../../../../engine/core/graph.ts';
import { NDArray } from '../../../../engine/core/ndarray.ts';
import { BatchCursor } from '../../../../engine/data/batches.ts';
import type { Dataset } from '../../../../engine/data/dataset.ts';
import {
  BOS,
  EOS,
  PAD,
  loadToyTranslation,
  toyVocabularySizes,
  type TranslationDataset,
} from '../../../../engine/data/toy-translation.ts';
import { grad } from '../../../../engine/grad/grad.ts';
import { softTargetLoss } from '../../../../engine/nn/distillation.ts';
import { Seq2Seq } from '../../../../engine/nn/seq2seq.ts';
import { concatenate } from '../../../../engine/ops/join.ts';
import { add, cast, div, mul, ne } from '../../../../engine/ops/math.ts';
import { softmaxCrossEntropy } from '../../../../engine/ops/nnet.ts';
import { sum } from '../../../../engine/ops/reduce.ts';
import { reshape } from '../../../../engine/ops/reshape.ts';
import { subtensor } from '../../../../engine/ops/subtensor.ts';
import { Rng } from '../../../../engine/random/rng.ts';
import { matrix, tensor } from '../../../../engine/tensor.ts';
import { smoothedSentenceBleu } from '../../bleu.ts';
import { EngineTrainer } from '../../trainers/engineTrainer.ts';
import type {
  EvaluationMetrics,
  StepMetrics,
  TrainerArtifact,
  TrainerContext,
} from '../../trainers/trainer.ts';
import { isTranslationTask, parseModel, type Seq2SeqModel, type TranslationTask } from './config.ts';
import { readMentor, type MentorModel } from './mentorInput.ts';
import { cachedMentorOutputs } from './mentorOutputsCache.ts';
import { loadModelInto, modelArtifact, type Seq2SeqArchitecture } from './modelArtifact.ts';
import type { DistillationRunConfig } from './runConfig.ts';
import { createRunOptimizer } from './runOptimizer.ts';
import {
  scoreTranslations,
  sentenceWords,
  translationDecoder,
  type TranslationDecoder,
} from './translationDecoding.ts';

/** Sentences per call when a network runs over a whole split. */
const chunkSentences = 500;

type TrainingPairs = Dataset & { source: NDArray; target: NDArray; mentorLogits?: NDArray };

export function loadTranslationSplits(task: TranslationTask) {
  const { vocabulary, minLength, maxLength, trainSize, validationSize, testSize, dataSeed } = task;
  return loadToyTranslation(dataSeed, {
    vocabulary,
    minLength,
    maxLength,
    sizes: { train: trainSize, validation: validationSize, test: testSize },
  });
}

/** The decoder's inputs for targets [B, W]: BOS, then the targets shifted right by one. */
function decoderInputs(target: Variable, width: number): Variable {
  const bos = add(mul(subtensor(target, null, [0, 1]), 0), BOS);
  return concatenate([bos, subtensor(target, null, [0, width - 1])], 1);
}

/** A target row for the words of a translation: the words, EOS, padding (cut to `width`). */
function targetRow(words: readonly number[], width: number): Int32Array {
  const row = new Int32Array(width).fill(PAD);
  row.set(words.slice(0, width));
  if (words.length < width) row[words.length] = EOS;
  return row;
}

function architectureOf(
  model: Seq2SeqModel,
  vocabulary: { source: number; target: number },
): Seq2SeqArchitecture {
  return {
    type: 'seq2seq',
    cell: model.cell,
    embedding: model.embedding,
    hidden: model.hidden,
    layers: model.layers,
    attention: model.attention,
    sourceVocabulary: vocabulary.source,
    targetVocabulary: vocabulary.target,
  };
}

function seq2seqFor(name: string, architecture: Omit<Seq2SeqArchitecture, 'type'>, rng: Rng): Seq2Seq {
  return new Seq2Seq({ name, rng, pad: PAD, bos: BOS, ...architecture });
}

/** Rows [from, to) of every [N, …] array. */
function sliceRows(array: NDArray, from: number, to: number): NDArray {
  const rowSize = array.shape.slice(1).reduce((a, b) => a * b, 1);
  return new NDArray(array.contiguous().data.subarray(from * rowSize, to * rowSize), [
    to - from,
    ...array.shape.slice(1),
  ]);
}

export class TranslationDistillationTrainer extends EngineTrainer<DistillationRunConfig> {
  private config!: DistillationRunConfig;
  private spec!: Seq2SeqModel;
  private model!: Seq2Seq;
  private vocabulary!: { source: number; target: number };
  private validation!: TranslationDataset;
  private test!: TranslationDataset;
  private evaluateLoss!: CompiledFunction;
  private decoder!: TranslationDecoder;
  private width = 0;
  private steps = 0;
  private wordLevel = false;
  private batches!: BatchCursor<TrainingPairs>;
  /** Whether the teacher's outputs came from the cache (for tests). */
  mentorOutputsCacheHit: boolean | null = null;

  init(config: DistillationRunConfig, seed: number, context?: TrainerContext): void {
    if (!isTranslationTask(config.task)) {
      throw new Error(
        `the translation trainer cannot run the ${config.task.name} task (use distillation-images)`,
      );
    }
    const task = config.task;
    this.config = config;
    this.steps = context?.loop.steps ?? Infinity;
    this.spec = parseModel(task, config.model, `the ${config.role}'s model`) as Seq2SeqModel;
    this.vocabulary = toyVocabularySizes(task);
    this.width = task.maxLength + 1;
    const splits = loadTranslationSplits(task);
    this.validation = splits.validation;
    this.test = splits.test;
    const W = this.width;
    const V = this.vocabulary.target;
    const { layers, ...rest } = architectureOf(this.spec, this.vocabulary);
    this.model = seq2seqFor(config.role, { ...rest, layers }, new Rng(seed));

    const arm = config.arm;
    let train: TrainingPairs = { source: splits.train.source, target: splits.train.target };
    let mentor: MentorModel | null = null;
    let teacher: Seq2Seq | null = null;
    if (arm && (arm.distillation || arm.sequenceTargets)) {
      mentor = readMentor(config, context, V);
      teacher = seq2seqFor('mentor', mentor.architecture as Seq2SeqArchitecture, new Rng(0));
      loadModelInto(teacher, mentor);
    }
    if (arm?.sequenceTargets && mentor && teacher) {
      train = { ...train, target: this.teacherTargets(mentor, teacher, train, arm.sequenceTargets) };
    }
    const B = Math.min(config.batchSize, train.source.shape[0]);

    const source = matrix('source', 'int32', [B, W]);
    const target = matrix('target', 'int32', [B, W]);
    const decoderIn = decoderInputs(target, W);
    const logits = reshape(this.model.forward(source, decoderIn), [-1, V]);
    const labels = reshape(target, [-1]);
    const words = cast(ne(labels, PAD), 'float32');
    const perWord = (values: Variable) => {
      const total = sum(mul(values, words));
      return (arm?.distillation?.reduction ?? 'mean') === 'mean' ? div(total, sum(words)) : total;
    };
    const hard = perWord(softmaxCrossEntropy(logits, labels));
    const inputs: Variable[] = [source, target];
    let outputs: Variable[] = [hard];
    const distillation = arm?.distillation;
    this.wordLevel = distillation !== undefined;
    if (distillation && mentor && teacher) {
      let mentorLogits: Variable;
      if (config.mentorLogits === 'live') {
        mentorLogits = reshape(teacher.forward(source, decoderIn), [-1, V]);
      } else {
        train = { ...train, mentorLogits: this.teacherLogits(mentor, teacher, train) };
        const input = tensor('float32', [B, W, V], 'mentor_logits');
        inputs.push(input);
        mentorLogits = reshape(input, [-1, V]);
      }
      const soft = perWord(
        softTargetLoss(logits, mentorLogits, {
          temperature: distillation.temperature,
          divergence: distillation.softLoss,
          reduction: 'none',
        }),
      );
      const weight =
        distillation.alpha * (distillation.squaredTemperature ? distillation.temperature ** 2 : 1);
      outputs = [add(mul(soft, weight), mul(hard, 1 - distillation.alpha)), soft, hard];
    }
    this.batches = new BatchCursor(train, { batchSize: B, seed, dropLast: true });
    const optimizer = createRunOptimizer(config.optimizer);
    const params = this.model.parameters();
    this.trainStep = fn(inputs, outputs, {
      updates: optimizer.updates(params, grad(outputs[0], params)),
      backend: this.backend,
    });
    this.state = [...params, ...optimizer.state()];

    const es = matrix('source', 'int32', [null, W]);
    const et = matrix('target', 'int32', [null, W]);
    const eLogits = reshape(this.model.forward(es, decoderInputs(et, W)), [-1, V]);
    const eLabels = reshape(et, [-1]);
    const eWords = cast(ne(eLabels, PAD), 'float32');
    this.evaluateLoss = fn([es, et], [sum(mul(softmaxCrossEntropy(eLogits, eLabels), eWords)), sum(eWords)], {
      backend: this.backend,
    });
    this.decoder = translationDecoder(this.model, W, this.backend);
    this.position = { epoch: 0, batch: 0, step: 0 };
  }

  /** The teacher's translations of the training sentences (beam best, or closest to the reference). */
  private teacherTargets(
    mentor: MentorModel,
    teacher: Seq2Seq,
    train: TrainingPairs,
    mode: 'beam' | 'closest-beam',
  ): NDArray {
    const beamSize = this.config.decoding?.beamSize ?? 5;
    const rows = train.source.shape[0];
    const key = { task: this.config.task, targets: mode, beamSize };
    const result = cachedMentorOutputs(mentor.path, key, rows, () => {
      const hypotheses = translationDecoder(teacher, this.width, this.backend).beam(train.source, beamSize);
      const references = train.target.contiguous().data;
      const out = new Int32Array(rows * this.width);
      hypotheses.forEach((list, r) => {
        let chosen = list[0]?.tokens ?? [];
        if (mode === 'closest-beam') {
          const reference = sentenceWords(references.subarray(r * this.width, (r + 1) * this.width));
          let best = -1;
          for (const h of list) {
            const score = smoothedSentenceBleu(h.tokens, [reference]);
            if (score > best) {
              best = score;
              chosen = h.tokens;
            }
          }
        }
        out.set(targetRow(chosen, this.width), r * this.width);
      });
      return new NDArray(out, [rows, this.width]);
    });
    this.mentorOutputsCacheHit = result.hit;
    return result.values;
  }

  /** The teacher's logits at every target word of the training pairs (teacher forcing). */
  private teacherLogits(mentor: MentorModel, teacher: Seq2Seq, train: TrainingPairs): NDArray {
    const rows = train.source.shape[0];
    const W = this.width;
    const s = matrix('source', 'int32', [null, W]);
    const t = matrix('target', 'int32', [null, W]);
    const forward = fn([s, t], teacher.forward(s, decoderInputs(t, W)), { backend: this.backend });
    const key = { task: this.config.task, logitsOn: this.config.arm?.sequenceTargets ?? 'references' };
    const result = cachedMentorOutputs(mentor.path, key, rows, () => {
      const V = this.vocabulary.target;
      const out = new Float32Array(rows * W * V);
      for (let from = 0; from < rows; from += chunkSentences) {
        const to = Math.min(rows, from + chunkSentences);
        const part = forward(sliceRows(train.source, from, to), sliceRows(train.target, from, to)) as NDArray;
        out.set(part.contiguous().data, from * W * V);
      }
      return new NDArray(out, [rows, W, V]);
    });
    this.mentorOutputsCacheHit = result.hit;
    return result.values;
  }

  private nextBatch(): TrainingPairs {
    const batch = this.batches.next();
    this.position = { ...this.position, ...this.batches.position };
    return batch;
  }

  step(): StepMetrics {
    const batch = this.nextBatch();
    const args = batch.mentorLogits
      ? [batch.source, batch.target, batch.mentorLogits]
      : [batch.source, batch.target];
    const out = this.trainStep(...args) as NDArray[];
    this.position = { ...this.position, step: this.position.step + 1 };
    const [loss, soft, hard] = out.map((v) => v.toFlat()[0]);
    return this.wordLevel ? { loss, loss_soft: soft, loss_hard: hard } : { loss };
  }

  /** Mean cross-entropy per target word of the references (teacher forcing). */
  private referenceLoss(data: TranslationDataset): number {
    let total = 0;
    let words = 0;
    const rows = data.source.shape[0];
    for (let from = 0; from < rows; from += chunkSentences) {
      const to = Math.min(rows, from + chunkSentences);
      const [loss, count] = (
        this.evaluateLoss(sliceRows(data.source, from, to), sliceRows(data.target, from, to)) as NDArray[]
      ).map((v) => v.toFlat()[0]);
      total += loss;
      words += count;
    }
    return total / words;
  }

  evaluate(): EvaluationMetrics {
    const valLoss = this.referenceLoss(this.validation);
    const count = Math.min(this.config.decoding?.evalSentences ?? 200, this.validation.source.shape[0]);
    const source = sliceRows(this.validation.source, 0, count);
    const greedy = scoreTranslations(
      this.decoder.greedy(source),
      source,
      sliceRows(this.validation.target, 0, count),
    );
    const metrics: EvaluationMetrics = {
      val_loss: valLoss,
      val_perplexity: Math.exp(valLoss),
      val_bleu_greedy: greedy.bleu,
      val_exact_greedy: greedy.exact,
      val_consistent_greedy: greedy.consistent,
    };
    if (this.position.step >= this.steps) Object.assign(metrics, this.testMetrics());
    return metrics;
  }

  /** The whole test set, greedy and beam, with decode speed (sentences per second). */
  private testMetrics(): EvaluationMetrics {
    const { source, target } = this.test;
    const sentences = source.shape[0];
    const testLoss = this.referenceLoss(this.test);
    let started = performance.now();
    const greedy = scoreTranslations(this.decoder.greedy(source), source, target);
    const greedySeconds = (performance.now() - started) / 1000;
    const beamSize = this.config.decoding?.beamSize ?? 5;
    started = performance.now();
    const beamWords = this.decoder.beam(source, beamSize).map((list) => list[0]?.tokens ?? []);
    const beamSeconds = (performance.now() - started) / 1000;
    const beam = scoreTranslations(beamWords, source, target);
    return {
      test_loss: testLoss,
      test_perplexity: Math.exp(testLoss),
      test_bleu_greedy: greedy.bleu,
      test_exact_greedy: greedy.exact,
      test_consistent_greedy: greedy.consistent,
      test_bleu_beam: beam.bleu,
      test_exact_beam: beam.exact,
      test_consistent_beam: beam.consistent,
      greedy_sentences_per_second: sentences / greedySeconds,
      beam_sentences_per_second: sentences / beamSeconds,
    };
  }

  override restore(bytes: Uint8Array): void {
    super.restore(bytes);
    this.batches.seek({ epoch: this.position.epoch, batch: this.position.batch });
  }

  artifacts(): TrainerArtifact[] {
    return [
      modelArtifact(this.model, architectureOf(this.spec, this.vocabulary), {
        role: this.config.role,
        task: this.config.task.name,
        ...(this.config.arm ? { arm: this.config.arm.name } : {}),
      }),
    ];
  }

  protected override compiledFunctions(): [string, CompiledFunction][] {
    return [...super.compiledFunctions(), ['reference loss', this.evaluateLoss], ...this.decoder.functions()];
  }
}
