// `npm start`: build the app (renderer + Electron bundles), then open the desktop app. Where it
// cannot open — Electron's binary is not downloaded yet (it downloads on first launch, which
// needs network access), or a Linux machine has no display — say so in one paragraph and start
// browser mode (`lab serve`) instead, which prints the URL to open. Arguments after `--` go to
// `lab serve` (e.g. `npm start -- --port 0`).
//
// LAB_START_SKIP_BUILD=1 skips the build (tests); LAB_ELECTRON_BINARY names the Electron binary.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { desktopAvailability } from '../main/electron/desktopAvailability.ts';
import { projectRoot } from '../main/paths.ts';

async function buildApp(): Promise<void> {
  process.stdout.write('Building the app (renderer and Electron bundles)…\n');
  const { build } = await import('vite');
  await build({ configFile: join(projectRoot, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  // Bundles on import.
  await import('../main/electron/build.ts');
}

/** Runs the desktop app until it quits, passing Ctrl-C on; resolves to its exit code. */
function runDesktop(electronPath: string): Promise<number> {
  const env = { ...process.env };
  // Set, it would make Electron a plain Node and `electron .` would fail.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electronPath, [projectRoot], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`Cannot start Electron (${electronPath}): ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.env.LAB_START_SKIP_BUILD !== '1') await buildApp();
const desktop = desktopAvailability();
if (desktop.ok) {
  process.exitCode = await runDesktop(desktop.path);
} else {
  process.stdout.write(
    `The desktop app cannot start: ${desktop.reason}. Starting browser mode instead — open the URL ` +
      'below in a browser; it is the same app. (For the desktop app later: `npx install-electron` with ' +
      'network access, on a machine with a display, then `npm start` again.)\n\n',
  );
  const { runCli } = await import('../main/cli/main.ts');
  await runCli(['serve', ...process.argv.slice(2)]);
}
