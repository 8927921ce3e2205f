// The part of Vitest's API the differential suites use (describe, it, expect with a few
// matchers), for the GPU check bundle: the GPU machines have no Node.js toolchain, so the suites
// are bundled with this module standing in for 'vitest' and run by scripts/check-gpu/entry.ts.
import { isDeepStrictEqual } from 'node:util';

export interface RegisteredTest {
  readonly name: string;
  readonly run: () => unknown;
}

const registered: RegisteredTest[] = [];
const path: string[] = [];

/** Every test the imported suites declared, in order. */
export function registeredTests(): readonly RegisteredTest[] {
  return registered;
}

export function describe(name: string, body: () => void): void {
  path.push(name);
  try {
    body();
  } finally {
    path.pop();
  }
}

export function it(name: string, run: () => unknown): void {
  registered.push({ name: [...path, name].join(' > '), run });
}
it.skip = (name: string, run: () => unknown): void => {
  void run;
  console.log(`skipped: ${[...path, name].join(' > ')}`);
};
describe.skipIf = (skip: boolean) => (skip ? () => undefined : describe);
export const test = it;

function show(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

class Assertion {
  private readonly actual: unknown;
  private readonly message: string | undefined;
  private readonly negated: boolean;

  constructor(actual: unknown, message: string | undefined, negated: boolean) {
    this.actual = actual;
    this.message = message;
    this.negated = negated;
  }

  get not(): Assertion {
    return new Assertion(this.actual, this.message, !this.negated);
  }

  private check(pass: boolean, what: string): void {
    if (pass === this.negated) {
      const prefix = this.message ? `${this.message}: ` : '';
      throw new Error(`${prefix}expected ${show(this.actual)} ${this.negated ? 'not ' : ''}${what}`);
    }
  }

  toBe(expected: unknown): void {
    this.check(Object.is(this.actual, expected), `to be ${show(expected)}`);
  }
  toEqual(expected: unknown): void {
    this.check(isDeepStrictEqual(this.actual, expected), `to equal ${show(expected)}`);
  }
  toBeGreaterThan(n: number): void {
    this.check((this.actual as number) > n, `to be greater than ${n}`);
  }
  toBeLessThan(n: number): void {
    this.check((this.actual as number) < n, `to be less than ${n}`);
  }
  toContain(item: unknown): void {
    const a = this.actual as string | unknown[];
    this.check(a.includes(item as never), `to contain ${show(item)}`);
  }
  toMatch(pattern: RegExp | string): void {
    const s = String(this.actual);
    this.check(
      typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s),
      `to match ${String(pattern)}`,
    );
  }
  toThrow(pattern?: RegExp | string): void {
    let thrown: unknown;
    let threw = false;
    try {
      (this.actual as () => unknown)();
    } catch (error) {
      threw = true;
      thrown = error;
    }
    const text = thrown instanceof Error ? thrown.message : String(thrown);
    const matches =
      pattern === undefined || (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
    this.check(
      threw && matches,
      `to throw ${pattern === undefined ? '' : String(pattern)} (threw: ${threw ? text : 'nothing'})`,
    );
  }
}

export function expect(actual: unknown, message?: string): Assertion {
  return new Assertion(actual, message, false);
}
expect.fail = (message: string): never => {
  throw new Error(message);
};
