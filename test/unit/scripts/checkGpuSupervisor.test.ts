// The GPU check's supervision (scripts/check-gpu/supervisor.ts), without a GPU: child processes
// that crash, hang or poison their CUDA context each cost one test, every other test still runs,
// and the summary counts them and fails the check.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readRecords, type TestEvent } from '../../../scripts/check-gpu/results.ts';
import { printSummary } from '../../../scripts/check-gpu/summary.ts';
import { superviseTests } from '../../../scripts/check-gpu/supervisor.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const child = [process.execPath, join(import.meta.dirname, '../../fixtures/checkGpu/fakeTestsChild.ts')];

async function supervise(plan: string[], name: string, budgetSeconds = 60): Promise<TestEvent[]> {
  const file = join(dir, `${name}.jsonl`);
  vi.stubEnv('FAKE_PLAN', plan.join(','));
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await superviseTests(file, {
      total: plan.length,
      command: child,
      budgetSeconds,
      testTimeoutSeconds: 1.5,
    });
  } finally {
    log.mockRestore();
    vi.unstubAllEnvs();
  }
  return readRecords<TestEvent>(file);
}

function outcomes(events: TestEvent[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const e of events)
    if (e.kind === 'end') m.set(e.i, e.ok ? 'ok' : `failed: ${e.error}`);
    else if (e.kind === 'lost') m.set(e.i, `lost: ${e.error}`);
  return m;
}

describe('GPU check supervision', () => {
  it('a crash, a hang and a poisoned context each cost one test; the rest all run', async () => {
    const plan = ['ok', 'crash', 'ok', 'hang', 'ok', 'poison', 'fail', 'ok'];
    const events = await supervise(plan, 'mixed');
    const got = outcomes(events);
    expect([...got.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(got.get(1)).toBe('lost: its process died (signal SIGKILL)');
    expect(got.get(3)).toBe('lost: it ran past 1.5 s');
    expect(got.get(5)).toBe('failed: an illegal memory access');
    expect(got.get(6)).toBe('failed: expected 1, got 2');
    for (const i of [0, 2, 4, 7]) expect(got.get(i)).toBe('ok');
    // The poisoned test ran again alone, with synchronous launches, to name the faulting step.
    const diagnosis = readRecords<TestEvent>(join(dir, 'mixed.jsonl.diagnosis'));
    expect(diagnosis.find((e) => e.kind === 'end')).toMatchObject({
      i: 5,
      error: expect.stringMatching(/^step 3/),
    });

    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const status = printSummary({
      device: 'fake',
      nvrtc: true,
      tests: plan.map((p, i) => `suite > fake ${i} (${p})`),
      events,
      bench: [],
      kinds: [],
      kindCount: 0,
      metaTraining: null,
      seconds: 1,
    });
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    log.mockRestore();
    expect(status).toBe(1);
    expect(printed).toMatch(/failed \(4\):/);
    expect(printed).toMatch(/4 FAILED in 1 s/);
    expect(printed).toMatch(/meta-training on cuda: did not finish/);
  }, 30_000);

  it('stops at its time budget and leaves the tests it could not reach unrun', async () => {
    const plan = ['ok', 'hang', 'ok', 'ok'];
    const started = performance.now();
    const events = await supervise(plan, 'budget', 1);
    expect(performance.now() - started).toBeLessThan(10_000);
    const got = outcomes(events);
    expect(got.get(0)).toBe('ok');
    expect(got.get(1)).toMatch(/^lost: the tests' time budget \(1 s\) ran out|^lost: it ran past/);
    expect(got.has(2) || got.has(3)).toBe(false);
    expect(existsSync(join(dir, 'budget.jsonl'))).toBe(true);
  }, 30_000);
});
