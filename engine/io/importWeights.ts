// Weights from another framework's file onto an nn model, by name, with a report a person can
// read: what matched (and which layout conversion it took), what was reshaped or cast, what the
// model needs but the file lacks, and what the file has that the model does not use.
//
// Names are matched exactly, then without TensorFlow's ":0" suffix, then by a unique suffix at
// a "." or "/" boundary (a state_dict saved from a wrapper, `model.0.weight`, or a Keras
// `sequential/dense/kernel`), after the caller's prefix renames. Every tensor is checked before
// any parameter is set, so a bad file leaves the model as it was; the error lists every problem
// (tensor name, what it has, what was expected) followed by the report.
import type { SharedVariable } from '../core/graph.ts';
import { formatShape, NDArray } from '../core/ndarray.ts';
import type { Module } from '../nn/module.ts';
import { conversion, frameworkShape, fromFramework, type Framework } from './frameworks.ts';
import { frameworkTensors } from './frameworkNames.ts';

export interface ImportOptions {
  framework: Framework;
  /** Prefix renames applied to the file's names first: { 'features.': '', 'classifier.': '5.' }. */
  rename?: Readonly<Record<string, string>>;
  /** Parameters the file lacks keep their values instead of failing the import. */
  allowMissing?: boolean;
  /** Where the tensors came from, for messages (a path). */
  source?: string;
}

export interface ImportedTensor {
  /** The lab parameter(s) it set. */
  params: string[];
  /** The tensor's name in the file. */
  file: string;
  fileShape: number[];
  shape: number[];
  /** The layout conversion taken ("as stored", "transposed", "HWIO ↔ OIHW", …). */
  conversion: string;
  /** Reshaped (size-1 axes) or cast (float64 → float32) on the way. */
  notes: string[];
}

export interface ImportReport {
  framework: Framework;
  source: string;
  matched: ImportedTensor[];
  /** Lab parameters with no tensor in the file, with the name that was looked for. */
  missing: { params: string[]; expected: string }[];
  /** File tensors no parameter took. */
  unused: string[];
}

/** Finds `wanted` among the file's names; returns the name and how it matched. */
function findName(wanted: string, names: readonly string[]): string | undefined {
  if (names.includes(wanted)) return wanted;
  const strip = (n: string): string => n.replace(/:\d+$/, '');
  const exact = names.filter((n) => strip(n) === wanted);
  if (exact.length === 1) return exact[0];
  const suffix = names.filter((n) => {
    const s = strip(n);
    return s.endsWith(wanted) && ['.', '/'].includes(s.charAt(s.length - wanted.length - 1));
  });
  return suffix.length === 1 ? suffix[0] : undefined;
}

function renamed(name: string, rename: Readonly<Record<string, string>>): string {
  for (const [from, to] of Object.entries(rename))
    if (name.startsWith(from)) return to + name.slice(from.length);
  return name;
}

/**
 * Sets `module`'s parameters from `tensors` (a framework's file, read with readWeightsFile) and
 * returns the report. Throws, setting nothing, when a tensor has the wrong shape or dtype or a
 * parameter is missing (unless allowMissing); the message names each tensor and what was expected.
 */
export function importWeights(
  module: Module,
  tensors: Readonly<Record<string, NDArray>>,
  options: ImportOptions,
): ImportReport {
  const { framework } = options;
  const rename = options.rename ?? {};
  const byName = new Map(
    Object.entries(tensors).map(([n, a]) => [renamed(n, rename), { original: n, value: a }]),
  );
  const names = [...byName.keys()];
  const report: ImportReport = {
    framework,
    source: options.source ?? 'the tensors given',
    matched: [],
    missing: [],
    unused: [],
  };
  const errors: string[] = [];
  const used = new Set<string>();
  const assignments: [SharedVariable, NDArray][] = [];
  for (const entry of frameworkTensors(module, framework)) {
    const found = findName(entry.name, names);
    if (found === undefined) {
      report.missing.push({ params: entry.labNames, expected: entry.name });
      continue;
    }
    used.add(found);
    const { original, value } = byName.get(found)!;
    const what = `tensor "${original}" (for ${entry.labNames.join(' + ')})`;
    const [first] = entry.params;
    if (value.dtype !== 'float32' && value.dtype !== 'float64') {
      errors.push(`${what} is ${value.dtype}; expected a float tensor (${first.dtype})`);
      continue;
    }
    const labShape = first.staticShape as number[];
    let converted: { value: NDArray; reshaped: boolean };
    try {
      converted = fromFramework(entry.role, framework, value, labShape, what, entry.context);
    } catch (error) {
      errors.push((error as Error).message);
      continue;
    }
    const notes: string[] = [];
    if (converted.reshaped) {
      notes.push(
        `reshaped ${formatShape(value.shape)} → ${formatShape(frameworkShape(entry.role, framework, labShape))}`,
      );
    }
    let labValue = converted.value;
    if (labValue.dtype !== first.dtype) {
      notes.push(`cast ${labValue.dtype} → ${first.dtype}`);
      labValue = labValue.astype(first.dtype);
    }
    // A Keras LSTM's one bias goes to b_ih; b_hh becomes zeros (their sum is what the cell uses).
    entry.params.forEach((p, k) =>
      assignments.push([p, k === 0 ? labValue : NDArray.zeros(labShape, p.dtype)]),
    );
    if (entry.params.length > 1)
      notes.push(`split: ${entry.labNames[0]} = ${original}, ${entry.labNames.slice(1).join(', ')} = 0`);
    report.matched.push({
      params: entry.labNames,
      file: original,
      fileShape: [...value.shape],
      shape: labShape,
      conversion: `${entry.role}: ${conversion(entry.role, framework).describe}`,
      notes,
    });
  }
  report.unused = names.filter((n) => !used.has(n)).map((n) => byName.get(n)!.original);
  if (report.missing.length > 0 && !options.allowMissing) {
    errors.push(
      `the file has no tensor for ${report.missing.map((m) => `${m.params.join(' + ')} (looked for "${m.expected}")`).join(', ')}; ` +
        'rename the file’s prefixes (rename), pick the framework whose names it uses, or allow missing parameters',
    );
  }
  if (errors.length > 0) {
    throw new Error(
      `cannot import ${framework} weights from ${report.source} into ${module.name}:\n` +
        errors.map((e) => `  - ${e}`).join('\n') +
        `\n\n${formatImportReport(report)}`,
    );
  }
  for (const [p, value] of assignments) p.set(value);
  return report;
}

/** The report as lines a person reads (the CLI prints it; errors end with it). */
export function formatImportReport(report: ImportReport): string {
  const lines = [
    `${report.framework} weights from ${report.source}: ${report.matched.length} matched, ` +
      `${report.missing.length} missing, ${report.unused.length} not used`,
  ];
  for (const m of report.matched) {
    const notes = [m.conversion, ...m.notes].join('; ');
    lines.push(`  ${m.params.join(' + ')} ← ${m.file} ${formatShape(m.fileShape)} (${notes})`);
  }
  for (const m of report.missing)
    lines.push(`  missing: ${m.params.join(' + ')} (no "${m.expected}" in the file)`);
  if (report.unused.length > 0) lines.push(`  not used: ${report.unused.join(', ')}`);
  return lines.join('\n');
}
