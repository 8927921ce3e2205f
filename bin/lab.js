#!/usr/bin/env node
// `lab` entry point. The CLI is TypeScript run directly by the project's Node 24 (type
// stripping). Started by an older Node — `./bin/lab.js` with the system's `node` first on PATH —
// it re-runs itself with the project's own Node from node_modules/.bin.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  // Compiled (and type-stripped) modules are cached on disk: a much faster start after the first.
  module.enableCompileCache?.();
  const { runCli } = await import('../main/cli/main.ts');
  await runCli(process.argv.slice(2));
} else {
  const projectNode = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(projectNode)) {
    process.stderr.write(
      `lab needs Node 24 (this is Node ${process.versions.node}) and the project's own Node is not installed: ` +
        'run `npm install` in the project root.\n',
    );
    process.exit(1);
  }
  const child = spawnSync(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
