// Where the project lives on disk. Found by walking up from this module, so it is right both
// for the .ts sources run by Node and for the bundles in dist/ (Electron main process).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'curriculum-lab'
    ) {
      return dir;
    }
    if (dirname(dir) === dir) {
      throw new Error(`cannot find the Curriculum Lab project root above ${start}`);
    }
  }
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
