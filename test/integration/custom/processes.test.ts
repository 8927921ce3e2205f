// C ops across processes, as the lab runs them (one worker process per run): a cache hit in a
// second process, two processes compiling the same op at once (one compile, both succeed), a
// process killed mid-compile followed by a clean retry, and a C op that crashes its process.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { cacheKey } from '../../../engine/custom/c/build.ts';
import { entryDir } from '../../../engine/custom/c/cache.ts';
import { startRunProcess } from '../../../main/workers/runProcess.ts';
import { loadNativeAddon } from '../../../native/addon.ts';
import { compileCount, compilerWrapper } from './fixtures/compilers.ts';
import { ScaleShift } from './fixtures/ops.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const childScript = join(fixtures, 'compileOp.ts');

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Compiled {
  key: string;
  library: string;
  compileSeconds: number;
  totalSeconds: number;
  values: number[];
}

let scratch: string;
let cacheDir: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'lab-cop-proc-'));
  cacheDir = join(scratch, 'cache');
});

function startChild(env: Record<string, string>): { pid: number; done: Promise<ChildResult> } {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', childScript], {
    env: { ...process.env, LAB_CACHE_DIR: cacheDir, ...env },
    // Its own process group, so a test can SIGKILL the child and its compiler together.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { pid: child.pid!, done };
}

function parsed(result: ChildResult): Compiled {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Compiled;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('C ops across processes', () => {
  it('a second process loads the cached library without compiling', async () => {
    const first = parsed(await startChild({}).done);
    const second = parsed(await startChild({}).done);
    expect(first.values).toEqual([4, 7, 10]);
    expect(second.values).toEqual([4, 7, 10]);
    expect(first.compileSeconds).toBeGreaterThan(0);
    expect(second.compileSeconds).toBe(0);
    expect(second.library).toBe(first.library);
    console.log(
      `ScaleShift in a fresh process: compile + load ${(first.totalSeconds * 1000).toFixed(0)} ms ` +
        `(compiler ${(first.compileSeconds * 1000).toFixed(0)} ms); cached load ${(second.totalSeconds * 1000).toFixed(1)} ms ` +
        '(cc --version, key, dlopen)',
    );
  });

  it('two processes compiling the same op at once: one compile, both succeed', async () => {
    const log = join(scratch, 'cc.log');
    // The compile takes over a second, so the second process certainly arrives while it runs.
    const env = { LAB_CC: compilerWrapper(scratch, log), LAB_TEST_CC_SLEEP: '1' };
    const [a, b] = await Promise.all([startChild(env).done, startChild(env).done]);
    const results = [parsed(a), parsed(b)];
    expect(results.map((r) => r.values)).toEqual([
      [4, 7, 10],
      [4, 7, 10],
    ]);
    expect(compileCount(log)).toBe(1);
    expect(results.filter((r) => r.compileSeconds > 0)).toHaveLength(1);
  });

  it('a process killed mid-compile leaves no lock and no library; the retry builds cleanly', async () => {
    const log = join(scratch, 'cc.log');
    const cc = compilerWrapper(scratch, log);
    const doomed = startChild({ LAB_CC: cc, LAB_TEST_CC_SLEEP: '30' });
    const temporaries = (): string[] =>
      existsSync(cacheDir)
        ? readdirSync(cacheDir).flatMap((k) =>
            readdirSync(join(cacheDir, k)).filter((f) => f.includes('.tmp-')),
          )
        : [];
    await waitFor(() => temporaries().length > 0, 'the compiler to start writing');
    process.kill(-doomed.pid, 'SIGKILL');
    expect((await doomed.done).signal).toBe('SIGKILL');
    const [key] = readdirSync(cacheDir);
    expect(readdirSync(join(cacheDir, key))).not.toContain('op.so');
    expect(temporaries()).toHaveLength(1);

    // Same compiler identity, so the same cache entry; a held lock would time out in 5 s.
    const retry = parsed(await startChild({ LAB_CC: cc, LAB_COMPILE_LOCK_TIMEOUT_MS: '5000' }).done);
    expect(retry.key).toBe(key);
    expect(retry.compileSeconds).toBeGreaterThan(0);
    expect(retry.values).toEqual([4, 7, 10]);
    expect(temporaries()).toEqual([]);
    expect(compileCount(log)).toBe(2);
  });

  it('waiting longer than LAB_COMPILE_LOCK_TIMEOUT_MS for another compile fails with a message', async () => {
    // This process holds the entry's lock, as a process compiling the op would.
    process.env.LAB_CACHE_DIR = cacheDir;
    const dir = entryDir(cacheKey(new ScaleShift(3, '1').kernelBuild()));
    mkdirSync(dir, { recursive: true });
    const addon = loadNativeAddon();
    const fd = addon.lockFile(join(dir, '.lock'), 1000)!;
    try {
      const result = await startChild({ LAB_COMPILE_LOCK_TIMEOUT_MS: '300' }).done;
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        /ScaleShift\{scale=3, offset="1"\}: timed out after 0\.3 s waiting for another process to finish compiling this op \(lock .*\.lock\)/,
      );
    } finally {
      addon.unlockFile(fd);
      delete process.env.LAB_CACHE_DIR;
    }
    // Released: now it compiles.
    expect(parsed(await startChild({}).done).values).toEqual([4, 7, 10]);
  });

  it('a C op that dereferences NULL fails its run process (SIGSEGV reported), not the lab', async () => {
    const savedCache = process.env.LAB_CACHE_DIR;
    process.env.LAB_CACHE_DIR = cacheDir; // the worker inherits it
    const run = startRunProcess(
      {
        runId: 1,
        trainerModuleUrl: pathToFileURL(join(fixtures, 'crashingTrainer.ts')).href,
        trainerName: 'null-dereference',
        config: { problem: { name: 'null-dereference' }, optimizer: { name: 'sgd', lr: 0.1 } },
        loop: { steps: 3, evalEvery: 1, checkpointEvery: 3, divergenceFactor: null },
        selection: { name: 'val_loss', goal: 'min' },
        seed: 1,
        inputs: {},
        checkpointDirectory: join(scratch, 'checkpoints'),
        artifactDirectory: join(scratch, 'artifacts'),
      },
      {},
    );
    if (savedCache === undefined) delete process.env.LAB_CACHE_DIR;
    else process.env.LAB_CACHE_DIR = savedCache;
    const exit = await run.exit;
    expect(exit.status).toBe('failed');
    expect(exit.reason).toMatch(/worker process was killed by SIGSEGV \(a crash in native code\?\)/);
  });
});
