// native/build.ts skips an output whose sources and toolchain are unchanged since it was built
// (the digest beside it: the files it includes, not the CPU kernels it does not), rebuilds it
// when a source changes, and always with --force. Run on a copy of native/ with a stand-in nvcc
// that records its calls, so the test compiles nothing and never touches the tree's own build.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const projectNative = join(import.meta.dirname, '..', '..', 'native');
const dir = mkdtempSync(join(tmpdir(), 'lab-native-build-'));
const native = join(dir, 'native');
const calls = join(dir, 'nvcc-calls');
for (const part of ['build.ts', 'cuda', 'kernels', 'include'])
  cpSync(join(projectNative, part), join(native, part), { recursive: true });
const nvcc = join(dir, 'nvcc');
writeFileSync(
  nvcc,
  `#!/bin/sh
if [ "$1" = "--version" ]; then echo "stand-in nvcc 1.0"; exit 0; fi
echo call >> "${calls}"
while [ $# -gt 1 ]; do if [ "$1" = "-o" ]; then echo library > "$2"; fi; shift; done
`,
);
chmodSync(nvcc, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `node native/build.ts --cuda-only` in the copy; its output and how often nvcc compiled so far. */
function build(...args: string[]): { stdout: string; compiles: number } {
  const r = spawnSync(process.execPath, [join(native, 'build.ts'), '--cuda-only', ...args], {
    env: { ...process.env, NVCC: nvcc, LAB_NATIVE_FORCE: '' },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return {
    stdout: r.stdout,
    compiles: existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').length - 1 : 0,
  };
}

describe('native/build.ts', () => {
  it('builds once, skips an unchanged build, rebuilds on a changed source and with --force', () => {
    const library = join(native, 'build', 'cuda', 'liblabcuda.so');
    expect(build()).toMatchObject({ compiles: 1 });
    expect(readFileSync(`${library}.sources`, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    const again = build();
    expect(again.compiles).toBe(1);
    expect(again.stdout).toMatch(/CUDA library up to date/);
    // A CPU kernel the .cu files do not include: the library stays as it is.
    appendFileSync(join(native, 'kernels', 'elementwise.c'), '\n/* changed */\n');
    expect(build()).toMatchObject({ compiles: 1 });
    // pool_element.h includes conv_element.h, which the .cu files reach through it alone.
    appendFileSync(join(native, 'kernels', 'conv_element.h'), '\n/* changed */\n');
    expect(build()).toMatchObject({ compiles: 2 });
    expect(build()).toMatchObject({ compiles: 2 });
    expect(build('--force')).toMatchObject({ compiles: 3 });
    rmSync(library);
    expect(build()).toMatchObject({ compiles: 4 }); // a digest without its output is not up to date
  });
});
