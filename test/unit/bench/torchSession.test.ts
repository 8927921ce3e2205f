// The benchmark's PyTorch session (bench/torchSession.ts + .py) against a stand-in for
// torch_ref.py: requests reach the reference's timeit with their warm-up and repeat counts, each
// request builds its workload afresh, and a bad request is an error that leaves the session up.
// Needs a Python with torch, as the benchmark does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTorchPython } from '../../../bench/torch.ts';
import { openTorchSession } from '../../../bench/torchSession.ts';

// timeit answers how many MNIST problems have been built and how many calls it made, instead of
// a time, so the test can see what the session did.
const STAND_IN = `
import sys, torch
torch.set_num_threads(int(sys.argv[1]))
built = 0
def timeit(fn, warm=3, n=15):
    for _ in range(warm + n):
        fn()
    return built * 1000 + warm + n
class CoordLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))
def quad_problem():
    return torch.zeros(2), lambda t: (t * t).sum()
def mnist_problem():
    global built
    built += 1
    return torch.ones(3), lambda t: (t * t).sum()
def meta_iteration(net, opt, problem):
    theta, f = problem()
    opt.zero_grad(); (f(theta) * net.w).sum().backward(); opt.step()
`;

const { python } = findTorchPython();
const dir = mkdtempSync(join(tmpdir(), 'lab-torch-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(python !== null)('the benchmark’s PyTorch session', () => {
  it('times each request from a fresh start and survives a bad one', async () => {
    const reference = join(dir, 'torch_ref.py');
    writeFileSync(reference, STAND_IN);
    const before = process.env.LAB_TORCH_REF;
    process.env.LAB_TORCH_REF = reference;
    try {
      const session = await openTorchSession(null, 1);
      if ('missing' in session) throw new Error(session.missing);
      try {
        // one problem built, 2 + 5 calls
        expect(await session.time('mnist_step', 2, 5)).toBe(1007);
        // a second request builds its own problem
        expect(await session.time('mnist_step', 1, 1)).toBe(2002);
        expect(await session.time('quad_meta', 0, 3)).toBe(2003);
        await expect(session.time('nope', 1, 1)).rejects.toThrow(
          /could not time nope: ValueError: unknown workload 'nope'/,
        );
        // three meta-iterations, each drawing a problem of its own: five built in all
        expect(await session.time('mnist_meta', 1, 2)).toBe(5003);
      } finally {
        session.close();
      }
    } finally {
      if (before === undefined) delete process.env.LAB_TORCH_REF;
      else process.env.LAB_TORCH_REF = before;
    }
  }, 120_000);
});
