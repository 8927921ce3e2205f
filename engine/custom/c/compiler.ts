// The system C compiler: `cc`, or the command in LAB_CC. Its identity (the command and its
// `--version` output) is part of every cache key, so upgrading the compiler rebuilds ops.
import { spawnSync } from 'node:child_process';

/** No usable C compiler on this machine. The op may still run through its TypeScript perform. */
export class CompilerUnavailableError extends Error {}

/** The C source did not compile; the message holds the compiler's diagnostics. */
export class CompileError extends Error {}

export interface CompilerIdentity {
  readonly command: string;
  readonly version: string;
}

const identities = new Map<string, CompilerIdentity>();

export function compilerCommand(): string {
  return process.env.LAB_CC || 'cc';
}

/** `cc --version`, once per process, command and PATH. */
export function compilerIdentity(): CompilerIdentity {
  const command = compilerCommand();
  const memo = `${command}\0${process.env.PATH ?? ''}`;
  const known = identities.get(memo);
  if (known) return known;
  const result = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    const why = result.error
      ? (result.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'was not found'
        : `could not be started (${result.error.message})`
      : `failed (\`${command} --version\` exited with status ${result.status})`;
    throw new CompilerUnavailableError(
      `no C compiler to build C ops: '${command}' ${why}` +
        (process.env.LAB_CC ? ' (from LAB_CC)' : ` on PATH=${process.env.PATH ?? ''}`) +
        '. Install one (Debian/Ubuntu: apt install gcc; macOS: xcode-select --install) or set LAB_CC to a C compiler.',
    );
  }
  const identity = { command, version: result.stdout.trim() };
  identities.set(memo, identity);
  return identity;
}

export interface CompileRequest {
  readonly sourcePath: string;
  readonly outputPath: string;
  readonly flags: readonly string[];
  readonly libraries: readonly string[];
}

/** Runs the compiler; returns its failure (status/signal and diagnostics) or null on success. */
export function runCompiler(request: CompileRequest): { status: string; diagnostics: string } | null {
  const command = compilerCommand();
  const args = [
    ...request.flags,
    '-o',
    request.outputPath,
    request.sourcePath,
    ...request.libraries.map((l) => (l.startsWith('-') ? l : `-l${l}`)),
  ];
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) {
    throw new CompilerUnavailableError(
      `the C compiler '${command}' could not be started: ${result.error.message}`,
    );
  }
  if (result.status === 0) return null;
  const status = result.signal ? `was killed by ${result.signal}` : `exited with status ${result.status}`;
  return { status: `${command} ${status}`, diagnostics: `${result.stderr}${result.stdout}`.trim() };
}
