// The records the GPU check's processes leave for each other (scripts/check-gpu/): one JSON line
// per event, appended synchronously, so a test that crashes its process still leaves the line
// saying it started — the supervisor then knows which test killed it.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { PaperScaleResult } from '../../bench/metaTraining.ts';

export type TestEvent =
  | { readonly kind: 'start'; readonly i: number; readonly name: string }
  | {
      readonly kind: 'end';
      readonly i: number;
      readonly name: string;
      readonly ok: boolean;
      readonly error?: string;
      readonly seconds: number;
      /** Programs the differential harness prepared on the GPU during the test. */
      readonly gpuPrograms: number;
    }
  /** Written by the supervisor: test i hung or killed its process. */
  | { readonly kind: 'lost'; readonly i: number; readonly name: string; readonly error: string };

export interface BenchRow {
  readonly name: string;
  /** Median seconds per call on the GPU. */
  readonly lab: number;
  /** The first call: lowering, program creation and kernel compilation. */
  readonly first: number;
  readonly torch: number | null;
  /** Median seconds of GPU time per call (input copies to output copies). */
  readonly gpu: number;
  /** Median seconds per call launching step by step (no CUDA graph). */
  readonly eager: number;
  /** Four calls replaying the graph gave the losses of four step-by-step calls, to the bit. */
  readonly replayAgrees: boolean;
  /** Relative difference of the first call's loss to the cpu backend's on the same inputs. */
  readonly lossRelDiff: number;
  readonly steps: number;
  readonly hostSteps: number;
  readonly nvrtcKernels: number;
  readonly graphReplayed: boolean;
}

/** The l2l-paper quadratics meta-training on the cuda backend (bench/metaTraining.ts). */
export type MetaTrainingRow = PaperScaleResult;

/** A test process's exit status after a CUDA fault that poisons its context (see testsChild.ts). */
export const POISONED_EXIT = 70;

export function appendRecord(file: string, record: unknown): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function readRecords<R>(file: string): R[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as R);
}
