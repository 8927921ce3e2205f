// `lab serve` on a fresh checkout: the renderer has not been built yet. Build it (Vite, ~10 s)
// rather than serve a page that is not there; where Vite is not installed, say how.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, rendererDistDirectory } from '../paths.ts';
import { UserError } from '../userError.ts';

export async function ensureRendererBuild(
  rendererDirectory: string,
  log: (line: string) => void,
): Promise<void> {
  const index = join(rendererDirectory, 'index.html');
  if (existsSync(index)) return;
  if (rendererDirectory !== rendererDistDirectory) {
    throw new UserError(`${index} is missing: point LAB_RENDERER_DIR at a renderer build, or unset it`);
  }
  log(`The app is not built yet (${index} is missing): building it with Vite first, about 10 s…`);
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (error) {
    throw new UserError(
      'the app is not built and Vite (a development dependency) is not installed: run `npm install` and ' +
        '`npm run build:renderer` in the project root, then `lab serve` again',
      { cause: error },
    );
  }
  await vite.build({ configFile: join(projectRoot, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  if (!existsSync(index)) {
    throw new UserError(
      `building the renderer did not produce ${index}: run \`npm run build:renderer\` to see why`,
    );
  }
}
