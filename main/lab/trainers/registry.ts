// Which trainers this process can run, and the module each comes from (a worker process imports
// that module itself: a registration made in the main process does not cross into workers).
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { registerSchema } from '../definitions/schemaRegistry.ts';
import type { TrainerDefinition, TrainerModule } from './trainer.ts';

/** Modules loaded on every start: the lab's own trainers, on the graph engine. */
export const builtinTrainerModules: readonly string[] = [
  new URL('./engineTrainers.ts', import.meta.url).href,
];

/** Problems the lab defines, with schemas in curricula/schema/problems/. */
export const builtinProblemNames: readonly string[] = ['mnist-mlp', 'quadratics'];

export interface RegisteredTrainer {
  moduleUrl: string;
  definition: TrainerDefinition;
}

const registered = new Map<string, RegisteredTrainer>();

export class TrainerUnavailableError extends Error {
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
  const loaded = (await import(moduleUrl)) as Partial<TrainerModule>;
  if (!Array.isArray(loaded.trainers)) {
    throw new Error(`trainer module ${specifier} must export "trainers": an array of TrainerDefinition`);
  }
  for (const definition of loaded.trainers) {
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

export function registeredTrainerNames(): string[] {
  return [...registered.keys()];
}
