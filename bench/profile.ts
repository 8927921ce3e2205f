// Where a workload's time goes: the native executor's per-step wall times (run's stepSeconds),
// summed over a few calls and grouped by kernel and op (Composite expressions and attributes
// folded, so all sigmoid steps form one row). Printed by `npm run bench -- --profile`.
import type { NativeExecutable } from '../engine/backends/cpu/executable.ts';

/** `Elemwise{sigmoid,inplace0}` → `Elemwise{sigmoid}`, `Composite{…}` → `Composite`, `Gemm{…}` → `Gemm`. */
function family(opName: string): string {
  const name = opName.replace(/ \(built at .*\)$/, '');
  const elemwise = /^Elemwise\{([a-z0-9_]+)/.exec(name);
  if (elemwise) return `Elemwise{${elemwise[1]}}`;
  if (name.startsWith('update of ')) return 'update copy';
  return name.replace(/\{.*$/, '');
}

/** Runs `w` `calls` times with step timing on and prints the heaviest step groups. */
export function printProfile(
  w: { name: string; run: () => unknown },
  executable: NativeExecutable,
  calls: number,
  rows = 12,
): void {
  executable.startProfile();
  for (let i = 0; i < calls; i++) w.run();
  const seconds = executable.stopProfile()!;
  const groups = new Map<string, { steps: number; seconds: number }>();
  let total = 0;
  executable.steps.forEach((s, i) => {
    const key = `${s.kernel.padEnd(27)} ${family(s.opName)}`;
    const g = groups.get(key) ?? { steps: 0, seconds: 0 };
    g.steps++;
    g.seconds += seconds[i] / calls;
    groups.set(key, g);
    total += seconds[i] / calls;
  });
  console.log(
    `  profile of ${w.name}: ${executable.steps.length} steps, ${(total * 1e3).toFixed(2)} ms of kernels per call`,
  );
  // A step the executor runs in a row-block chain (native/PROGRAM.md, "Row blocks") is timed
  // over all the chain's blocks, block by block; two steps computed together (addon.pairedSteps:
  // two products of the same A or into the same Z, a composite and the sum of its rows) count both
  // on the first.
  console.log('    ms/call    share  steps  kernel                      op');
  [...groups.entries()]
    .sort((a, b) => b[1].seconds - a[1].seconds)
    .slice(0, rows)
    .forEach(([key, g]) => {
      const share = total > 0 ? (100 * g.seconds) / total : 0;
      console.log(
        `    ${(g.seconds * 1e3).toFixed(3).padStart(7)}  ${share.toFixed(1).padStart(5)} %  ${String(g.steps).padStart(5)}  ${key}`,
      );
    });
}
