// The meta-training problems by name, each checked against its schema under
// curricula/schema/problems/ (defaults filled in) before it is built.
import { parseWithSchema } from '../../../definitions/schemaRegistry.ts';
import type { MetaProblem } from './metaProblem.ts';
import { MnistProblem, type MnistProblemOptions } from './mnistProblem.ts';
import { QuadraticsProblem, type QuadraticsProblemOptions } from './quadraticsProblem.ts';

export const metaProblemNames = ['l2l-quadratics', 'l2l-mnist'] as const;
export type MetaProblemName = (typeof metaProblemNames)[number];

export type MetaProblemOptions = QuadraticsProblemOptions | MnistProblemOptions;

export function isMetaProblemName(name: string): name is MetaProblemName {
  return (metaProblemNames as readonly string[]).includes(name);
}

/** The problem's options after its schema (defaults filled in); throws naming what does not fit. */
export function parseMetaProblemOptions(
  options: { name: string } & Record<string, unknown>,
): MetaProblemOptions {
  if (!isMetaProblemName(options.name)) {
    throw new Error(
      `unknown meta-training problem "${options.name}": expected one of ${metaProblemNames.join(', ')}`,
    );
  }
  return parseWithSchema<MetaProblemOptions>(
    `problems/${options.name}.schema.json`,
    structuredClone(options),
    `the ${options.name} problem`,
  );
}

export function createMetaProblem(options: { name: string } & Record<string, unknown>): MetaProblem {
  const parsed = parseMetaProblemOptions(options);
  return parsed.name === 'l2l-quadratics' ? new QuadraticsProblem(parsed) : new MnistProblem(parsed);
}
