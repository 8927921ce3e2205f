// Which trainers this process can run, and the module each comes from (a worker process imports
// that module itself: a registration made in the main process does not cross into workers).
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../paths.ts';
import { UserError } from '../../userError.ts';
import { registerSchema } from '../definitions/schemaRegistry.ts';
import type { TrainerDefinition, TrainerModule } from './trainer.ts';

/**
 * Modules loaded on every start: each kind's own trainers, on the graph engine. Taken from the
 * project's sources (not relative to this module, which may be inside a bundle), because worker
 * processes import them by URL.
 */
export const builtinTrainerModules: readonly string[] = [
  'main/lab/kinds/optimizerComparison/trainers.ts',
  'main/lab/kinds/metaTraining/trainers.ts',
  'main/lab/kinds/distillation/trainers.ts',
  'main/lab/kinds/roadmap/trainers.ts',
].map((path) => pathToFileURL(join(projectRoot, path)).href);

export interface RegisteredTrainer {
  moduleUrl: string;
  definition: TrainerDefinition;
}

const registered = new Map<string, RegisteredTrainer>();

export class TrainerUnavailableError extends UserError {
  constructor(name: string) {
    super(
      `trainer ${name} not available: no loaded trainer module provides it. Known trainers: ` +
        `${[...registered.keys()].join(', ') || 'none'}. Load one with --trainers <module.ts>.`,
    );
    this.name = 'TrainerUnavailableError';
  }
}

export function moduleUrlOf(specifier: string): string {
  if (/^[a-z]+:/i.test(specifier)) return specifier;
  return pathToFileURL(isAbsolute(specifier) ? specifier : resolve(specifier)).href;
}

/** Imports a trainer module and registers what it exports; returns the trainer names. */
export async function registerTrainerModule(specifier: string): Promise<string[]> {
  const moduleUrl = moduleUrlOf(specifier);
  let loaded: Partial<TrainerModule>;
  try {
    loaded = (await import(moduleUrl)) as Partial<TrainerModule>;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why =
      code === 'ERR_MODULE_NOT_FOUND' && message.includes(specifier.replace(/^file:\/\//, ''))
        ? 'there is no such file (check the path)'
        : message.split('\n')[0];
    throw new UserError(`cannot load trainer module ${specifier}: ${why}`, { cause: error });
  }
  return registerLoadedModule(specifier, moduleUrl, loaded);
}

/** Registers what an imported trainer module exports, under the URL workers import it by. */
function registerLoadedModule(
  specifier: string,
  moduleUrl: string,
  loaded: Partial<TrainerModule>,
): string[] {
  if (!Array.isArray(loaded.trainers)) {
    throw new UserError(`trainer module ${specifier} must export "trainers": an array of TrainerDefinition`);
  }
  for (const definition of loaded.trainers) {
    if (typeof definition.runConfig?.parse !== 'function' || typeof definition.runConfig.kind !== 'string') {
      throw new UserError(
        `trainer "${definition.name}" in ${specifier} has no runConfig: set it to the run config of the kind it ` +
          'trains, e.g. optimizerRunConfig from main/lab/kinds/optimizerComparison/runConfig.ts (main/lab/trainers/README.md)',
      );
    }
    registered.set(definition.name, { moduleUrl, definition });
    if (definition.problemSchema)
      registerSchema(trainerProblemSchemaId(definition.name), definition.problemSchema);
  }
  return loaded.trainers.map((t) => t.name);
}

let builtinsRegistered: Promise<void> | undefined;

/** Registers the built-in trainer modules (once per process). */
export function registerBuiltinTrainers(): Promise<void> {
  builtinsRegistered ??= (async () => {
    for (const specifier of builtinTrainerModules) await registerTrainerModule(specifier);
  })();
  return builtinsRegistered;
}

/**
 * Registers the built-in trainer modules from modules already imported, in the order of
 * builtinTrainerModules: for a bundle that cannot import the project's sources by URL (the GPU
 * check runs the meta-training trainer in its own process, never in a worker).
 */
export function registerBuiltinTrainersFrom(modules: readonly Partial<TrainerModule>[]): Promise<void> {
  if (modules.length !== builtinTrainerModules.length)
    throw new Error(
      `expected the ${builtinTrainerModules.length} built-in trainer modules, got ${modules.length}`,
    );
  builtinsRegistered ??= (async () => {
    modules.forEach((loaded, i) =>
      registerLoadedModule(builtinTrainerModules[i], builtinTrainerModules[i], loaded),
    );
  })();
  return builtinsRegistered;
}

export function trainerProblemSchemaId(name: string): string {
  return `trainers/${name}.schema.json`;
}

export function findTrainer(name: string): RegisteredTrainer | undefined {
  return registered.get(name);
}

export function requireTrainer(name: string): RegisteredTrainer {
  const entry = registered.get(name);
  if (!entry) throw new TrainerUnavailableError(name);
  return entry;
}

/** Names of the registered trainers that take runs of `kind`. */
export function trainersOfKind(kind: string): string[] {
  return [...registered.values()]
    .filter((t) => t.definition.runConfig.kind === kind)
    .map((t) => t.definition.name)
    .sort();
}
