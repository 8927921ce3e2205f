// Finds a Python with NumPy or PyTorch for reference comparisons, and runs scripts in it. The
// search order is LAB_PYTHON, python3, /usr/bin/python3 (a pyenv shim often shadows the system
// Python that has numpy and torch). When none works the reason is returned so the test can
// print why it skipped.
import { spawnSync } from 'node:child_process';

export type FoundPython = { python: string } | { python: null; reason: string };

const cached = new Map<string, FoundPython>();

/** The first Python that can `import module`, or why none could. */
export function findPython(module: 'numpy' | 'torch'): FoundPython {
  const known = cached.get(module);
  if (known) return known;
  const candidates = [process.env.LAB_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  let found: FoundPython | undefined;
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      found = { python };
      break;
    }
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    tried.push(`${python}: ${why}`);
  }
  found ??= { python: null, reason: `no Python with ${module} found (${tried.join('; ')})` };
  cached.set(module, found);
  return found;
}

/** The Python a reference needs; throws naming what was tried when there is none. */
export function requirePython(module: 'numpy' | 'torch'): string {
  const found = findPython(module);
  if (found.python === null) throw new Error(`${found.reason}; set LAB_PYTHON to a Python with ${module}`);
  return found.python;
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
