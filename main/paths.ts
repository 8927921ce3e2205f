// Every place on disk that main/ reads from the project itself, in one file: the definitions and
// schemas in curricula/, the renderer build, the worker entry. (The per-user data and cache
// directories are the store's: main/store/dataDirectory.ts.)
import { join } from 'node:path';
import { projectRoot } from '../native/paths.ts';

export { projectRoot };

/** Built-in definitions and presets a researcher can run. */
export const curriculaDirectory = join(projectRoot, 'curricula');

/** JSON Schemas of definitions and run configs; a schema's `$id` is its path under here. */
export const schemaDirectory = join(curriculaDirectory, 'schema');

/** The renderer's production build, served by Electron and by browser mode. */
export const rendererDistDirectory = join(projectRoot, 'dist', 'renderer');

/**
 * The run worker's source. A bundle (Electron's main process) cannot hold it — every run forks
 * it as its own process — so it is always taken from the project's sources.
 */
export const runWorkerSource = join(projectRoot, 'main', 'workers', 'runWorker.ts');
