// Finds a Python with PyTorch for reference comparisons and runs one script in it. The search
// order is LAB_PYTHON, python3, /usr/bin/python3 (a pyenv shim often shadows the system Python
// that has torch). When none works the reason is returned so the test can print why it skipped.
import { spawnSync } from 'node:child_process';

export type TorchPython = { python: string } | { python: null; reason: string };

let cached: TorchPython | undefined;

export function findTorchPython(): TorchPython {
  if (cached) return cached;
  const candidates = [process.env.LAB_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return (cached = { python });
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    tried.push(`${python}: ${why}`);
  }
  return (cached = { python: null, reason: `no Python with torch found (${tried.join('; ')})` });
}

/** Runs `script` with `input` as JSON on stdin and parses the JSON it prints. */
export function runPythonJson<T>(python: string, script: string, input: unknown): T {
  const r = spawnSync(python, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`${python} reference script failed (exit ${r.status}):\n${r.stderr || r.error?.message}`);
  }
  return JSON.parse(r.stdout) as T;
}
