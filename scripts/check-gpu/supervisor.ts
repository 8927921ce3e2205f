// Runs the GPU check's tests in child processes so that new GPU code that crashes or hangs costs
// one test, not the check: each child runs the tests from an index on, recording a start and an
// end line per test (results.ts). A test whose process dies, or that runs past its time, is
// recorded as lost and the next child starts after it; a child that stops after a fault that
// poisons its CUDA context (POISONED_EXIT) is followed by the same test alone with every launch
// synchronous, which names the faulting step, and the next child goes on after it.
import { spawn } from 'node:child_process';
import { appendRecord, POISONED_EXIT, readRecords, type TestEvent } from './results.ts';

export interface ChildEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why the supervisor killed it, if it did. */
  readonly killedFor: string | null;
}

/** Runs `command` + `args`; kills it when `watch` returns a reason (checked every 200 ms). */
export function runChild(
  command: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  watch: () => string | null,
): Promise<ChildEnd> {
  return new Promise((resolve) => {
    const p = spawn(command[0], [...command.slice(1), ...args], { stdio: 'inherit', env });
    let killedFor: string | null = null;
    const timer = setInterval(() => {
      const why = watch();
      if (why && !killedFor) {
        killedFor = why;
        p.kill('SIGKILL');
      }
    }, 200);
    p.on('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, killedFor });
    });
  });
}

export interface TestSupervision {
  /** How many tests are registered. */
  readonly total: number;
  /** The child process: it takes `--tests-from <i> <file>` or `--tests-from <i> --only <file>`. */
  readonly command: readonly string[];
  readonly budgetSeconds: number;
  readonly testTimeoutSeconds: number;
}

/** Runs every test in children, recording into `file`; returns when all ran or the budget is spent. */
export async function superviseTests(file: string, s: TestSupervision): Promise<void> {
  const deadline = performance.now() + s.budgetSeconds * 1000;
  const firstSeen = new Map<number, number>(); // test index → when a start line was first seen
  const running = (i: number): number => {
    if (!firstSeen.has(i)) firstSeen.set(i, performance.now());
    return (performance.now() - firstSeen.get(i)!) / 1000;
  };
  let from = 0;
  while (from < s.total && performance.now() < deadline) {
    const end = await runChild(s.command, ['--tests-from', String(from), file], process.env, () => {
      if (performance.now() > deadline) return `the tests' time budget (${s.budgetSeconds} s) ran out`;
      const last = readRecords<TestEvent>(file).at(-1);
      return last?.kind === 'start' && running(last.i) > s.testTimeoutSeconds
        ? `it ran past ${s.testTimeoutSeconds} s`
        : null;
    });
    const last = readRecords<TestEvent>(file).at(-1);
    if (end.code === 0 && last?.kind === 'end' && last.i === s.total - 1) return;
    if (last?.kind === 'start') {
      const why =
        end.killedFor ??
        `its process died (${end.signal ? `signal ${end.signal}` : `exit status ${end.code}`})`;
      appendRecord(file, { kind: 'lost', i: last.i, name: last.name, error: why });
      console.log(`LOST [${last.i}] ${last.name}: ${why}`);
      from = last.i + 1;
    } else if (end.code === POISONED_EXIT && last?.kind === 'end') {
      from = last.i + 1;
      await runChild(
        s.command,
        ['--tests-from', String(last.i), '--only', `${file}.diagnosis`],
        { ...process.env, CUDA_LAUNCH_BLOCKING: '1', LAB_CUDA_GRAPHS: '0' },
        () => null,
      );
    } else return;
  }
}
